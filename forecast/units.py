"""Unit conversions, named once: every bare power-of-ten factor in the code is one of these."""

#: Watts to megawatts. [MW/W]
W_TO_MW = 1e-6
#: Megawatts to gigawatts. [GW/MW]
MW_TO_GW = 1e-3
#: Kilowatts to megawatts. [MW/kW]
KW_TO_MW = 1e-3
#: Gigawatts to megawatts. [MW/GW]
GW_TO_MW = 1e3
#: Megawatt-hours to terawatt-hours. [TWh/MWh]
MWH_TO_TWH = 1e-6
#: Percent per unit fraction. [%]
PERCENT = 100.0


def fahrenheit_to_celsius(fahrenheit):
    """Degrees Fahrenheit to degrees Celsius, (F - 32) x 5/9 (NIST SP 811, B.8). [°C]"""
    return (fahrenheit - 32.0) * 5.0 / 9.0


#: The UDUNITS-2 form (a CF file's ``units``) of each unit the tables write that UDUNITS cannot
#: parse; every other unit is written as it is. A count is ``1`` (its ``long_name`` says what
#: is counted); ``TWh`` is ``TW h`` (UDUNITS knows no ``Wh``). cf-checker and CDO refused the
#: NetCDF files' ``accelerators`` and ``TWh`` (tests/forecast/io/test_netcdf_cf.py parses every
#: ``units`` with UDUNITS).
CF_UNITS = {"TWh": "TW h", "accelerators": "1", "events": "1"}
#: The attribute that keeps a unit's table text (``TWh``, ``accelerators``) where a CF file's
#: ``units`` holds its UDUNITS form (:data:`CF_UNITS`).
UNITS_LABEL_ATTRIBUTE = "units_label"
