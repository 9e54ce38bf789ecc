"""Unit conversions, named once: every bare power-of-ten factor in the code is one of these."""

#: Watts to megawatts. [MW/W]
W_TO_MW = 1e-6
#: Megawatts to gigawatts. [GW/MW]
MW_TO_GW = 1e-3
#: Megawatt-hours to terawatt-hours. [TWh/MWh]
MWH_TO_TWH = 1e-6
#: Percent per unit fraction. [%]
PERCENT = 100.0
#: Hours in a mean (Gregorian) year. [h]
HOURS_PER_YEAR = 8765.82
#: Energy a year to average power: 1 TWh a year is 1e6 MWh / 8765.82 h. [MW per TWh/yr]
TWH_PER_YEAR_TO_MW = 1e6 / HOURS_PER_YEAR


def fahrenheit_to_celsius(fahrenheit):
    """Degrees Fahrenheit to degrees Celsius, (F - 32) x 5/9 (NIST SP 811, B.8). [°C]"""
    return (fahrenheit - 32.0) * 5.0 / 9.0
