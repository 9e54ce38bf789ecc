"""Sites → built and energised capacity by region; the fleet placed where there is room.

Each site is built in a draw with its build probability, after its commissioning delay, and
ramps linearly to its capacity (:func:`forecast.kernels.capacity.site_capacity`). A site whose
``capacity_kind`` is ``"grid"`` can host IT up to its grid capacity / its PUE at the draw's
hottest hour, so that the hall never draws more than its connection; an ``"it"`` site hosts its
stated IT capacity.

Where a region has a connection limit (``[grid.<region>]``), its sites that are not yet
operating energise only within it (:func:`forecast.kernels.capacity.connect_sites`), in queue
order: under construction first, then announced, then speculative, each by the month it applies
(commissioning less its lead) and date, then in the order of the file, each month among the
sites that have asked. A site asks for its
grid capacity (an IT site for its IT capacity x its PUE at the hottest hour) from its
``grid_lead_months`` before the month it starts to ramp (default 0): all of it, or, phased, what
its ramp will have built a lead later; what the limit cannot connect yet is delayed, and a hall
built and not yet connected is stranded. A region without a limit connects its sites as if
its limit were infinite: each site's connection, and so its ``site_*`` outcomes (built share,
the month it is energised: its commissioning after its delay, its connected MW), is reported
as under a limit, none of it ever delayed; the regions' ``grid_*`` figures and the IT capacity
stay those of the limited regions alone.

Non-AI loads that are ``hosted`` take their room in the region's halls first (incumbent load).
Accelerators of the deployment plans then go into what is left, oldest first
(:func:`forecast.kernels.fleet.place_in_capacity`); an accelerator with no room waits and draws
nothing until room appears. The hosted fleet is spread over the region's sites in proportion to
their capacity, so its PUE is the capacity-weighted PUE of the region's halls. What is still
free in a site carries the site's own tenants: ``tenant_occupancy`` x the free IT capacity.

Without sites the plans' accelerators are all hosted (unconstrained hosting, stated as such in
the output); without deployments only the tenants draw.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from forecast import kernels
from forecast.calendar import month_number
from forecast.engine.fleet import Fleet, FleetGrid
from forecast.engine.inputs import Inputs, SiteDraw
from forecast.engine.power import PueLine, pue_line
from forecast.scenario import Scenario

#: Queue rank of a site's status under a connection limit (lower connects first).
QUEUE_RANK = {"under_construction": 0, "announced": 1, "speculative": 2}


@dataclass
class Connections:
    """A region-limited grid: requested, connected, stranded and limit [MW] by draw, region and
    month (NaN for a region without a limit), and the same for each site in a queue."""

    requested_mw: np.ndarray  # float64[D, R, Mf]
    connected_mw: np.ndarray  # float64[D, R, Mf]
    #: Grid capacity of built halls not yet connected (built minus connected, per site). [MW]
    stranded_mw: np.ndarray  # float64[D, R, Mf]
    limit_mw: np.ndarray  # float64[D, R, Mf]
    #: The queued sites (index in the scenario's sites), region by region in queue order: the
    #: sites not yet operating, of every region (one without a limit: an infinite one).
    sites: tuple[int, ...]
    #: Where each queued site's region has a connection limit. bool[S]
    site_limited: np.ndarray
    #: Whether any region has a connection limit (the regions' ``grid_*`` figures are theirs).
    any_limit: bool
    site_request_mw: np.ndarray  # float64[S, D] grid capacity each asks for (0: never asks)
    site_ask_month: np.ndarray  # int64[S, D] month it asks (a lead before its ramp); Mf: never
    #: Month its halls need all of its request: the month its ramp starts, or, for a phased
    #: site, the month its ramp completes; Mf: never. int64[S, D]
    site_due_month: np.ndarray
    site_connected_mw: np.ndarray  # float64[S, D, Mf] grid capacity connected to it
    site_built: np.ndarray  # bool[S, D] where the draw builds the site
    #: Its commissioning month after the delay and its ramp, from which :meth:`site_built_mw`
    #: recomputes its built grid capacity by month on demand.
    site_start_month: np.ndarray  # float64[S, D] [month]
    site_ramp_months: np.ndarray  # float64[S] [month]
    #: How far ahead of its ramp each site asks, and whether it asks as it builds, from which
    #: :meth:`site_requested_mw` recomputes what it has asked for by month. [month], bool [S]
    site_lead_months: np.ndarray  # float64[S]
    site_phased: np.ndarray  # bool[S]
    #: Months each site waits, up to the period's end (:meth:`site_waits`, set by
    #: :meth:`windowed`, which drops the months before the period). [month] float64[S, D]
    site_wait_months: np.ndarray | None = None
    #: Built grid MW each site has waited for, summed over the period's months, and its built
    #: grid MW at the period's end (set by :meth:`windowed`). [MW*month], [MW] float64[S, D]
    site_stranded_mw_months: np.ndarray | None = None
    site_built_end_mw: np.ndarray | None = None

    def windowed(self, window: slice) -> Connections:
        """The arrays on the projection's months (a site's ask and due months counted from the
        window's first: negative where before it, the window's length or more where after)."""
        stranded, built_end = self._stranded_sums(window)
        return dataclasses.replace(
            self,
            requested_mw=self.requested_mw[:, :, window],
            connected_mw=self.connected_mw[:, :, window],
            stranded_mw=self.stranded_mw[:, :, window],
            limit_mw=self.limit_mw[:, :, window],
            site_ask_month=self.site_ask_month - window.start,
            site_due_month=self.site_due_month - window.start,
            site_connected_mw=self.site_connected_mw[:, :, window],
            site_start_month=self.site_start_month - window.start,
            site_wait_months=self.site_waits(window.stop),
            site_stranded_mw_months=stranded,
            site_built_end_mw=built_end,
        )

    def site_built_mw(self, position: int, n_months: int) -> np.ndarray:
        """Grid capacity site ``position`` has built by each of the first ``n_months`` months:
        its request x its ramp's share. [MW] float64[D, M]"""
        built = np.empty((self.site_request_mw.shape[1], n_months))
        kernels.site_capacity(
            self.site_request_mw[position], self.site_start_month[position],
            self.site_ramp_months[position], self.site_built[position].astype(np.uint8), built,
        )  # fmt: skip
        return built

    def site_requested_mw(self, position: int, n_months: int) -> np.ndarray:
        """Grid capacity site ``position`` has asked for by each of the first ``n_months``
        months, as the queue counts it: all of its request from its lead before its ramp, or,
        phased, what its ramp will have built a lead later. [MW] float64[D, M]"""
        asked = np.empty((self.site_request_mw.shape[1], n_months))
        kernels.site_capacity(
            self.site_request_mw[position],
            self.site_start_month[position] - self.site_lead_months[position],
            self.site_ramp_months[position], self.site_built[position].astype(np.uint8), asked,
        )  # fmt: skip
        if self.site_phased[position]:
            return asked
        return (asked > 0.0) * self.site_request_mw[position][:, None]

    def _stranded_sums(self, window: slice) -> tuple[np.ndarray, np.ndarray]:
        """Built grid MW not connected, summed over the window's months, and the built grid MW
        in its last month, site by site (one site's [D, M] at a time). [MW*month], [MW]
        float64[S, D] each"""
        sums, built_end = np.zeros(self.site_request_mw.shape), np.zeros(self.site_request_mw.shape)
        for position in range(len(self.sites)):
            built = self.site_built_mw(position, window.stop)[:, window]
            connected = self.site_connected_mw[position, :, window]
            sums[position] = np.maximum(built - connected, 0.0).sum(axis=1)
            built_end[position] = built[:, -1]
        return sums, built_end

    def site_requesting(self) -> np.ndarray:
        """Where each site has asked for its grid capacity by each month. bool[S, D, M]"""
        months = np.arange(self.site_connected_mw.shape[2])
        return (self.site_request_mw[:, :, None] > 0.0) & (
            self.site_ask_month[:, :, None] <= months
        )

    def site_due(self) -> np.ndarray:
        """Where each site's whole request is due by each month (:attr:`site_due_month`).
        bool[S, D, M]"""
        months = np.arange(self.site_connected_mw.shape[2])
        return (self.site_request_mw[:, :, None] > 0.0) & (
            self.site_due_month[:, :, None] <= months
        )

    def site_fully_connected(self, stop: int | None = None) -> np.ndarray:
        """Where each site that asks has all of its request connected, in the months before
        ``stop`` (a relative 1e-9 absorbs the rounding of the queue's sums). bool[S, D, M]"""
        request = self.site_request_mw[:, :, None]
        connected = self.site_connected_mw[:, :, :stop]
        return (request > 0.0) & (connected >= request * (1.0 - 1e-9))

    def site_asks(self, stop: int | None = None) -> np.ndarray:
        """Where each site asks within the months of its arrays before ``stop`` (the period's,
        once :meth:`windowed`). bool[S, D]"""
        months = self.site_connected_mw[:, :, :stop].shape[2]
        return (self.site_request_mw > 0.0) & (self.site_ask_month < months)

    def site_waits(self, stop: int | None = None) -> np.ndarray:
        """Months by which each site's whole request is connected after its halls need it (the
        month its ramp starts; a phased site: the month its ramp completes; 0 where connected
        before, having asked ahead), over the months before ``stop``, by draw: NaN where it
        asks in none of them (not built, or later) or is due after them and not connected in
        full by then, +inf where it is due and not connected in full by then.
        float64[S, D] [month]"""
        full = self.site_fully_connected(stop)
        met, first_full = full.any(axis=-1), full.argmax(axis=-1)
        # Connected before it is due (it asked ahead of its build): not late.
        late = np.maximum(first_full - self.site_due_month, 0)
        waits = np.where(met, late, np.inf).astype(np.float64)
        due = met | (self.site_due_month < full.shape[2])
        return np.where(self.site_asks(stop) & due, waits, np.nan)


@dataclass
class Hosting:
    """Where the fleet runs, by draw, region and month of the fleet grid."""

    reading: str  # Scenario.hosting_reading
    capacity_it_mw: np.ndarray  # float64[D, R, Mf] IT capacity built and energised
    non_ai_room_mw: np.ndarray  # float64[D, R, Mf] IT capacity the hosted non-AI loads take
    hosted_mw: np.ndarray  # float64[D, R, Mf] nameplate power of hosted plan accelerators
    hosted_count: np.ndarray  # float64[D, R, Mf]
    waiting_count: np.ndarray  # float64[D, R, Mf]
    waiting_mw: np.ndarray  # float64[D, R, Mf]
    waited_months: np.ndarray  # float64[D, R, Mf] months waited, by vintage
    plan_pue: PueLine  # PUE line of the hosted plan accelerators, [D, R, Mf] each
    connections: Connections | None


class Halls:
    """The scenario's sites in every draw: their PUE lines, energised IT capacity and the
    grid connections that limit it."""

    def __init__(
        self,
        scenario: Scenario,
        inputs: Inputs,
        grid: FleetGrid,
        *,
        mean_excess: float,
        max_excess: np.ndarray,
    ) -> None:
        self.inputs, self.grid, self.max_excess = inputs, grid, max_excess
        self.lines = [
            pue_line(site.pue, inputs.pue_slope_per_c, site.slope_factor, grid.months, mean_excess)
            for site in inputs.sites
        ]
        #: The scenario's own PUE line (its PUE and cooling), for load outside any listed site.
        self.scenario_line = pue_line(
            inputs.pue,
            inputs.pue_slope_per_c,
            inputs.scenario_slope_factor,
            grid.months,
            mean_excess,
        )
        self.statuses = [site.status for site in scenario.sites]
        self.connected: dict[int, np.ndarray] = {}  # site -> grid MW connected [D, Mf]
        self.connections = (
            self._connect(scenario)
            if inputs.grids or any(status != "operating" for status in self.statuses)
            else None
        )

    def _grid_factor(self, index: int) -> np.ndarray:
        """Grid MW per MW of the site's stated capacity (1, or its hottest-hour PUE for an IT
        site, at its commissioning month). float64[D]"""
        site, line = self.inputs.sites[index], self.lines[index]
        if site.capacity_kind == "grid":
            return np.ones(site.built.size)
        month = np.clip(
            np.round(site.start_month - self.grid.first_month), 0, self.grid.n_months - 1
        ).astype(np.int64)
        draws = np.arange(site.built.size)
        return line.a[draws, month] + line.b[draws, month] * self.max_excess

    def _queues(self, scenario: Scenario) -> list[tuple[Any, int, list[int]]]:
        """Each region's limit (None without one), the region and its queue: the region's sites
        not yet operating, under construction first, then announced, then speculative, each by
        the month it applies (commissioning less ``grid_lead_months``) and date, then in the
        order of the file; the limited regions first, as their queues always came."""
        limits = {limit.region: limit for limit in self.inputs.grids}
        regions = [*limits, *(r for r in range(len(scenario.regions)) if r not in limits)]
        return [
            (
                limits.get(region),
                region,
                sorted(
                    (
                        index
                        for index, site in enumerate(self.inputs.sites)
                        if site.region == region and self.statuses[index] != "operating"
                    ),
                    key=lambda index: (
                        QUEUE_RANK[self.statuses[index]],
                        month_number(scenario.sites[index].commissioning)
                        - self.inputs.sites[index].lead_months,
                        scenario.sites[index].commissioning,  # the day, within a month
                        index,
                    ),
                ),
            )
            for region in regions
        ]

    def _connect(self, scenario: Scenario) -> Connections:
        n_draws, n_regions = self.inputs.draws, len(scenario.regions)
        shape = (n_draws, n_regions, self.grid.n_months)
        requested, connected, stranded = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        limits = np.full(shape, np.nan)
        queues = self._queues(scenario)
        queued = [index for _, _, queue in queues for index in queue]
        limited = {region for limit, region, _ in queues if limit is not None}
        # Every queued site's connection, region by region: the queue kernel writes each
        # region's block in place (a site's array is a view, never a copy: at 10,000 draws
        # and 19 sites the array is 0.2 GB); its request is one number a draw and the month
        # it asks.
        site_connected = np.zeros((len(queued), n_draws, self.grid.n_months))
        site_request = np.zeros((len(queued), n_draws))
        site_ask = np.full((len(queued), n_draws), self.grid.n_months, dtype=np.int64)
        site_due = site_ask.copy()
        site_start = np.zeros((len(queued), n_draws))
        first = 0
        for limit, region, queue in queues:
            if limit is None:
                # No limit: every MW asked for is connected at once, as under an infinite limit.
                limit_mw = np.full((n_draws, self.grid.n_months), np.inf)
            else:
                limit_mw = np.ascontiguousarray(limit.at(self.grid.months))
                limits[:, region] = limit_mw
            if not queue:
                continue
            sites = [self.inputs.sites[index] for index in queue]
            request = np.stack(
                [
                    site.capacity_mw * self._grid_factor(index)
                    for site, index in zip(sites, queue, strict=True)
                ]
            )
            start = np.stack([site.start_month - self.grid.first_month for site in sites])
            out = site_connected[first : first + len(queue)]
            kernels.connect_sites(
                np.ascontiguousarray(request),
                np.ascontiguousarray(start),
                np.array([site.ramp_months for site in sites]),
                np.array([site.lead_months for site in sites]),
                np.array([site.phased for site in sites], dtype=np.uint8),
                np.ascontiguousarray(np.stack([site.built for site in sites])),
                limit_mw,
                out,
            )
            ramping = np.empty((n_draws, self.grid.n_months))  # built [MW] by month
            asked = np.empty((n_draws, self.grid.n_months))  # what it asks for [MW]
            never = self.grid.n_months
            for position, index in enumerate(queue):
                site, row = sites[position], first + position
                if limit is not None:
                    self.connected[index] = out[position]
                # A site asks from its lead before its ramp starts, as connect_sites connects
                # it: for its whole request, or, phased, for what its ramp will have built a
                # lead later (as if commissioned a lead earlier).
                kernels.site_capacity(
                    request[position], start[position], site.ramp_months, site.built, ramping
                )
                kernels.site_capacity(
                    request[position], start[position] - site.lead_months, site.ramp_months,
                    site.built, asked,
                )  # fmt: skip
                asking = asked > 0.0
                if limit is not None:  # the regions' figures are of the limited queues
                    requested[:, region] += (
                        asked if site.phased else asking * request[position][:, None]
                    )
                    connected[:, region] += out[position]
                    stranded[:, region] += np.maximum(ramping - out[position], 0.0)
                asks = asking.any(axis=1)
                site_request[row] = np.where(asks, request[position], 0.0)
                site_ask[row] = np.where(asks, asking.argmax(axis=1), never)
                # Due when its halls need it: all of it when its ramp starts, or, phased, when
                # its ramp completes (never, after the last month).
                if site.phased:
                    needed = ramping >= request[position][:, None] * (1.0 - 1e-9)
                else:
                    needed = ramping > 0.0
                site_due[row] = np.where(asks & needed.any(axis=1), needed.argmax(axis=1), never)
                site_start[row] = start[position]
            first += len(queue)
        return Connections(
            requested_mw=requested,
            connected_mw=connected,
            stranded_mw=stranded,
            limit_mw=limits,
            sites=tuple(queued),
            site_limited=np.array(
                [self.inputs.sites[i].region in limited for i in queued], dtype=bool
            ),
            any_limit=bool(self.inputs.grids),
            site_request_mw=site_request,
            site_ask_month=site_ask,
            site_due_month=site_due,
            site_connected_mw=site_connected,
            site_built=np.array(
                [self.inputs.sites[i].built != 0 for i in queued], dtype=bool
            ).reshape(len(queued), n_draws),
            site_start_month=site_start,
            site_ramp_months=np.array([self.inputs.sites[i].ramp_months for i in queued]),
            site_lead_months=np.array(
                [self.inputs.sites[i].lead_months for i in queued], dtype=np.float64
            ),
            site_phased=np.array([self.inputs.sites[i].phased for i in queued], dtype=bool),
        )

    def it_capacity(self, index: int) -> np.ndarray:
        """IT capacity the site has built and energised by each month. [MW] float64[D, Mf]"""
        site, line = self.inputs.sites[index], self.lines[index]
        built = np.empty((site.built.size, self.grid.n_months))
        kernels.site_capacity(
            site.capacity_mw, site.start_month - self.grid.first_month, site.ramp_months,
            site.built, built,
        )  # fmt: skip
        if index in self.connected:
            built = np.minimum(built, self.connected[index] / self._grid_factor(index)[:, None])
        if site.capacity_kind == "grid":
            # The hall's hottest hour must fit its connection: IT <= grid / PUE(hottest).
            built /= line.a + line.b * self.max_excess[:, None]
        return built


def _non_ai_room(scenario: Scenario, inputs: Inputs, grid: FleetGrid) -> np.ndarray:
    """IT capacity the hosted non-AI loads take in each region. [MW] float64[D, R, Mf]"""
    room = np.zeros((inputs.draws, len(scenario.regions), grid.n_months))
    for load in inputs.non_ai:
        if load.hosted:
            room += load.room_mw(grid.months)[:, None, :] * load.shares_at(grid.months)[None]
    return room


def _surviving(fleet: Fleet, r: int) -> np.ndarray:
    out = np.empty(fleet.survival.shape)
    kernels.surviving_stock(np.ascontiguousarray(fleet.vintage_count[:, r]), fleet.survival, out)
    return out


def place_fleet(
    scenario: Scenario,
    inputs: Inputs,
    fleet: Fleet | None,
    grid: FleetGrid,
    halls: Halls,
) -> Hosting:
    """Build the sites, place the fleet and return where it runs."""
    n_draws, n_regions = inputs.draws, len(scenario.regions)
    shape = (n_draws, n_regions, grid.n_months)
    capacity = np.zeros(shape)
    weighted_a, weighted_b = np.zeros(shape), np.zeros(shape)
    for index, (site, line) in enumerate(zip(inputs.sites, halls.lines, strict=True)):
        it_mw = halls.it_capacity(index)
        capacity[:, site.region] += it_mw
        weighted_a[:, site.region] += it_mw * line.a
        weighted_b[:, site.region] += it_mw * line.b
    room = _non_ai_room(scenario, inputs, grid)
    has_room = capacity > 0
    fallback = halls.scenario_line
    plan_pue = PueLine(
        a=np.where(has_room, weighted_a / np.where(has_room, capacity, 1.0), fallback.a[:, None]),
        b=np.where(has_room, weighted_b / np.where(has_room, capacity, 1.0), fallback.b[:, None]),
    )
    zeros = np.zeros(shape)
    reading = scenario.hosting_reading
    if fleet is None:
        return Hosting(
            reading, capacity, room, zeros, zeros, zeros, zeros, zeros, plan_pue,
            halls.connections,
        )  # fmt: skip
    if reading == "unconstrained":
        unconstrained = PueLine(
            a=np.repeat(fallback.a[:, None], n_regions, axis=1),
            b=np.repeat(fallback.b[:, None], n_regions, axis=1),
        )
        hosted_count = np.stack([_surviving(fleet, r) for r in range(n_regions)], axis=1)
        return Hosting(
            reading,
            capacity if inputs.sites else np.full(shape, np.nan),
            room,
            fleet.nameplate_mw,
            hosted_count,
            zeros,
            zeros,
            zeros,
            unconstrained,
            halls.connections,
        )
    hosted_mw, hosted_count, waited = np.empty(shape), np.empty(shape), np.empty(shape)
    free = np.maximum(capacity - room, 0.0)
    for r in range(n_regions):
        outputs = [np.empty((n_draws, grid.n_months)) for _ in range(3)]
        kernels.place_in_capacity(
            np.ascontiguousarray(fleet.vintage_mw[:, r]),
            np.ascontiguousarray(fleet.vintage_count[:, r]),
            fleet.survival,
            np.ascontiguousarray(free[:, r]),
            *outputs,
        )
        hosted_mw[:, r], hosted_count[:, r], waited[:, r] = outputs
    in_service = np.stack([_surviving(fleet, r) for r in range(n_regions)], axis=1)
    return Hosting(
        reading,
        capacity,
        room,
        hosted_mw,
        hosted_count,
        np.maximum(in_service - hosted_count, 0.0),
        np.maximum(fleet.nameplate_mw - hosted_mw, 0.0),
        waited,
        plan_pue,
        halls.connections,
    )


def _free_share(hosting: Hosting) -> np.ndarray:
    """The share of every site's IT capacity that the hosted non-AI loads and the plans'
    accelerators leave free, by region (the same share in every site of a region). [-]
    float64[D, R, Mf]"""
    capacity = hosting.capacity_it_mw
    used = np.divide(
        hosting.hosted_mw + hosting.non_ai_room_mw,
        capacity,
        out=np.ones_like(capacity),
        where=capacity > 0,
    )
    return 1.0 - np.minimum(used, 1.0)


class _RegionRows:
    """A region's rows of a hosting that every site of the region reads
    (:func:`site_nameplates`), each made once a region and C-contiguous, [D, Mf]: its IT
    capacity [MW], where the plans' fleet is placed in its sites (bool: hosted reading and
    capacity > 0), the share of its capacity free for tenants (:func:`_free_share`) [-] and
    its hosted nameplate [MW]. Made a site at a time, from strided [D, R, Mf] views, the site
    loop's own CPU was 23 ms a kr-national projection at 1,000 draws (19 sites, 2 regions),
    13 ms with them made once a region (cProfile, thread time, 2026-12-07)."""

    def __init__(self, hosting: Hosting) -> None:
        self.hosting, self.free_share = hosting, _free_share(hosting)
        self.rows: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}

    def __getitem__(self, region: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if region not in self.rows:
            hosting = self.hosting
            capacity = np.ascontiguousarray(hosting.capacity_it_mw[:, region])
            # Unconstrained hosting runs the fleet in halls the scenario does not list.
            placed = (hosting.reading == "hosted") & (capacity > 0)
            self.rows[region] = (
                capacity,
                placed,
                np.ascontiguousarray(self.free_share[:, region]),
                np.ascontiguousarray(hosting.hosted_mw[:, region]),
            )
        return self.rows[region]


def site_nameplates(
    inputs: Inputs, hosting: Hosting, grid: FleetGrid, halls: Halls
) -> Iterator[tuple[SiteDraw, PueLine, np.ndarray, np.ndarray]]:
    """Each site with its PUE line, the nameplate of the plans' accelerators it hosts and the
    IT nameplate its own tenants fill. [MW] [D, Mf] each

    The hosted fleet is spread over its region's sites in proportion to their energised IT
    capacity, so a site holds ``C_s / C_r`` of it, and over a region's sites these add up to
    its hosted nameplate (:attr:`Hosting.hosted_mw`); with unconstrained hosting the fleet is
    in no listed site (0). The hosted non-AI loads and the plans' accelerators take a share
    (room + hosted) / capacity of every site of their region (the same share everywhere); the
    tenants fill ``tenant_occupancy`` of what is left.

    Made once a projection, for the regions' coefficients and each site's own together
    (:func:`forecast.engine._loads`): each site's IT capacity (:meth:`Halls.it_capacity`) is
    found here and in :func:`place_fleet`, and not held from one to the other. Held, it would
    be found once but saves no time: kr-outlook annual at 10,000 draws held 242 MB, its peak
    RSS rose from 2.20-2.23 GB to 2.42-2.45 GB, and its 21 computations took 0.46-0.60 s of
    CPU against 0.31-0.34 s for the 42 made now (new pages, where the freed ones are reused),
    of a projection of about 19 s; at 1,000 draws, 24 MB more and 8 ms less (3 alternating
    runs each, 2026-12-07, load 12-13).
    """
    regions = _RegionRows(hosting)
    for index, (site, line) in enumerate(zip(inputs.sites, halls.lines, strict=True)):
        it_mw = halls.it_capacity(index)
        region_mw, placed, free_share, hosted_mw = regions[site.region]
        share = np.divide(it_mw, region_mw, out=np.zeros_like(it_mw), where=placed)
        # [D, 1] where constant in time: it broadcasts over the months (the same values).
        occupancy = np.clip(site.tenant_occupancy.over_time(grid.months), 0.0, 1.0)
        tenant_mw = occupancy * it_mw * free_share
        yield site, line, share * hosted_mw, tenant_mw
        # [D, Mf] each: not held while the next site's are made (site_coefficients' peak).
        del it_mw, share, tenant_mw
