// /admin/calendar: a day or week of bookings, one column per staff member. Bookings carry their
// service's colour, external busy time is hatched "Busy" with only its provider named, conflicts are
// flagged on both the booking and the busy block; the island places the items, opens bookings and
// creates new ones from empty cells.
import type { Context } from "hono";
import { z } from "zod";
import { listServices, listStaff } from "../../../db/queries/admin-catalog";
import { busyWithConflicts } from "../../../booking/busy-view";
import type { BusyView } from "../../../booking/busy-view";
import { bookingsBetween } from "../../../booking/calendar-view";
import type { AdminBooking } from "../../../booking/calendar-view";
import { merchantSettingsSchema } from "../../../db/queries/admin-settings";
import type { MerchantMembership } from "../../../auth/membership";
import { addDays, localDate, localDayStart, utcIso } from "../../../time";
import type { AppEnv } from "../../context";
import { adminBookingJson } from "../../admin/booking-json";
import { meetingViewsOf } from "../../../meetings/meeting-view";
import type { MeetingView } from "../../../meetings/meeting-view";
import { isoDate } from "../../api/schemas";
import { CELL_MINUTES, datesFrom, dayPieces, instantAt, visibleWindow, weekStart } from "./calendar-grid";
import type { DayPiece } from "./calendar-grid";
import { dayText, providerName, timeText } from "./format";
import { AdminLayout } from "./layout";
import { adminPageContext, isOwner } from "./page-context";

const query = z.object({
	view: z.enum(["day", "week"]).catch("day"),
	date: isoDate.optional().catch(undefined),
	booking: z.string().max(64).optional().catch(undefined),
});

interface Lane {
	staffId: string;
	name: string;
	/** False for a deactivated staff member who still has bookings in view: they stay until moved or cancelled. */
	active: boolean;
}

/** The admin API's booking view (contact details and notes only for those who may see them), with providers named for people. */
function bookingJson(entry: AdminBooking, viewer: MerchantMembership, meeting: MeetingView | undefined): Record<string, unknown> {
	const json = adminBookingJson(entry, viewer, meeting);
	return { ...json, conflicts: json.conflicts.map((busy) => ({ ...busy, provider: providerName(busy.provider) })) };
}

function navLink(view: string, date: string): string {
	return `/admin/calendar?view=${view}&date=${date}`;
}

export async function calendarPage(c: Context<AppEnv>): Promise<Response> {
	const page = await adminPageContext(c);
	const zone = page.merchant.timezone;
	const { view, date: asked, booking: openBooking } = query.parse(c.req.query());
	const date = asked ?? localDate(page.now, zone);
	const dates = view === "day" ? [date] : datesFrom(weekStart(date), 7);
	const first = dates[0] ?? date;
	const last = dates.at(-1) ?? date;
	const from = localDayStart(first, zone);
	const to = localDayStart(addDays(last, 1), zone);
	const tentativeBlocks = merchantSettingsSchema.parse(page.merchant.settings ?? {}).tentativeBlocks;
	const [members, services, entries, busy] = await Promise.all([
		listStaff(c.var.db, page.merchant.id),
		listServices(c.var.db, page.merchant.id),
		bookingsBetween(c.env, c.var.db, { merchantId: page.merchant.id, from, to, staffId: null, tentativeBlocks }),
		busyWithConflicts(c.env, c.var.db, { merchantId: page.merchant.id, from, to, staffIds: null, tentativeBlocks }),
	]);
	const confirmed = entries.filter((e) => e.booking.status === "confirmed");
	const meetings = await meetingViewsOf(c.var.db, page.merchant.id, confirmed.map((e) => e.booking));
	// A deactivated staff member keeps a column only while bookings of theirs are in view, so the owner sees them.
	const lanes: Lane[] = members
		.filter((m) => m.active || confirmed.some((e) => e.booking.staffId === m.id))
		.map((m) => ({ staffId: m.id, name: m.active ? m.name : `${m.name} (inactive)`, active: m.active }));
	// Whose column the viewer may book into and whose bookings they may change (enforced by the API;
	// here only so the page does not offer what would be refused).
	const changeable = lanes.filter((l) => isOwner(page) || l.staffId === page.membership.staffId).map((l) => l.staffId);
	const bookable = lanes.filter((l) => l.active && changeable.includes(l.staffId)).map((l) => l.staffId);
	const placedBookings = confirmed.map((entry) => ({ entry, pieces: dayPieces(entry.booking.startsAt, entry.booking.endsAt, dates, zone) }));
	const timedBusy = busy.filter((b) => !b.allDay);
	const placedBusy = timedBusy.map((block) => ({ block, pieces: dayPieces(block.start, block.end, dates, zone) }));
	const allPieces: DayPiece[] = [...placedBookings.flatMap((p) => p.pieces), ...placedBusy.flatMap((p) => p.pieces)];
	const window = visibleWindow(allPieces);
	const cellStarts: number[] = [];
	for (let m = window.from; m < window.to; m += CELL_MINUTES) cellStarts.push(m);
	const hours = cellStarts.filter((m) => m % 60 === 0);
	const step = view === "day" ? 1 : 7;

	function inLane(staffId: string | null, lane: Lane): boolean {
		// Business-wide calendars (no staff member) block everyone.
		return staffId === null || staffId === lane.staffId;
	}

	function busyLabel(block: BusyView): string {
		return `Busy · ${providerName(block.provider)}${block.staffId === null ? " (business)" : ""}${block.tentative ? " · tentative" : ""}`;
	}

	/** The block overlaps a booking in this lane: the booking stays (the platform decides), both are flagged. */
	function conflictIn(block: BusyView, lane: Lane): boolean {
		return block.conflictsWith.some((id) => confirmed.some((e) => e.booking.id === id && e.booking.staffId === lane.staffId));
	}

	const config = {
		page: "calendar",
		csrfToken: page.csrfToken,
		timezone: zone,
		view,
		date,
		openBooking: openBooking ?? null,
		bookings: confirmed.map((entry) => bookingJson(entry, page.membership, meetings.get(entry.booking.id))),
		services: services.filter((s) => s.active).map((s) => ({ id: s.id, name: s.name, durationMinutes: s.durationMinutes, staffIds: s.staffIds })),
		staff: lanes.filter((l) => l.active).map((l) => ({ id: l.staffId, name: l.name })),
		bookableStaffIds: bookable,
		changeableStaffIds: changeable,
		inactiveStaffIds: lanes.filter((l) => !l.active).map((l) => l.staffId),
	};

	return c.html(
		<AdminLayout title="Calendar" section="calendar" viewer={page.viewer} config={config}>
			<div class="cal-toolbar">
				<h1>{view === "day" ? dayText(from, zone) : `Week of ${dayText(from, zone)}`}</h1>
				<nav aria-label="Calendar view" class="segmented">
					<a href={navLink("day", date)} aria-current={view === "day" ? "page" : undefined}>
						Day
					</a>
					<a href={navLink("week", date)} aria-current={view === "week" ? "page" : undefined}>
						Week
					</a>
				</nav>
				<nav aria-label="Dates" class="segmented">
					<a href={navLink(view, addDays(date, -step))}>← Previous</a>
					<a href={navLink(view, localDate(page.now, zone))}>Today</a>
					<a href={navLink(view, addDays(date, step))}>Next →</a>
				</nav>
				<form method="get" action="/admin/calendar" class="inline">
					<input type="hidden" name="view" value={view} />
					<label for="cal-date">Go to</label>
					<input id="cal-date" type="date" name="date" value={date} />
					<button type="submit">Go</button>
				</form>
				{bookable.length === 0 ? null : (
					<button type="button" class="primary" data-new-booking>
						New booking
					</button>
				)}
			</div>
			<p class="muted legend">
				Times in {zone.replaceAll("_", " ")}. <span class="legend-busy">Busy</span> = an event in a connected calendar (only its time is known). Choose an empty slot to add a
				booking.
			</p>
			<noscript>
				<p>The calendar needs JavaScript.</p>
			</noscript>
			<div class={`cal cal-${view}`} data-view={view} data-window-start={window.from}>
				{dates.map((d) => {
					const dayFrom = localDayStart(d, zone);
					return (
						<section class="cal-day" aria-label={dayText(dayFrom, zone)}>
							{view === "week" ? <h2 class="cal-day-title">{dayText(dayFrom, zone)}</h2> : null}
							<div class="cal-grid">
								<div class="cal-col gutter-col" aria-hidden="true">
									<div class="cal-head"></div>
									<div class="gutter">
										{hours.map((m) => (
											<div class="hour-label">{`${String(m / 60).padStart(2, "0")}:00`}</div>
										))}
									</div>
								</div>
								{lanes.map((lane) => (
									<div class="cal-col">
										<div class="cal-head">
											<span class="lane-name">{lane.name}</span>
											{busy
												.filter((b) => b.allDay && inLane(b.staffId, lane) && dayPieces(b.start, b.end, [d], zone).length > 0)
												.map((b) => {
													const conflict = conflictIn(b, lane);
													return (
														<span class={`busy allday${conflict ? " conflict" : ""}`}>
															{`${busyLabel(b)} · all day`}
															{conflict ? <span class="flag"> ⚠ Conflict</span> : null}
														</span>
													);
												})}
										</div>
										<div class="lane" role="group" aria-label={`${lane.name}, ${dayText(dayFrom, zone)}`} data-staff={lane.staffId}>
											{cellStarts.map((m) => {
												const at = instantAt(d, m, zone);
												return (
													<button
														type="button"
														class="cell"
														data-start={utcIso(at)}
														data-staff={lane.staffId}
														disabled={!bookable.includes(lane.staffId)}
														aria-label={`New booking at ${timeText(at, zone)} with ${lane.name}`}
													></button>
												);
											})}
											{placedBusy.flatMap(({ block, pieces }) =>
												inLane(block.staffId, lane)
													? pieces
															.filter((p) => p.date === d)
															.map((p) => {
																const conflict = conflictIn(block, lane);
																return (
																	<div
																		class={`busy item${conflict ? " conflict" : ""}`}
																		data-top={p.startMinute}
																		data-height={p.minutes}
																		data-provider={block.provider}
																		aria-label={`${busyLabel(block)}, ${timeText(block.start, zone)} to ${timeText(block.end, zone)}${conflict ? ", conflicts with a booking" : ""}`}
																	>
																		<span>{busyLabel(block)}</span>
																		<span class="time">{`${timeText(block.start, zone)}–${timeText(block.end, zone)}`}</span>
																		{conflict ? <span class="flag">⚠ Conflict</span> : null}
																	</div>
																);
															})
													: [],
											)}
											{placedBookings.flatMap(({ entry, pieces }) =>
												entry.booking.staffId === lane.staffId
													? pieces
															.filter((p) => p.date === d)
															.map((p) => {
																const b = entry.booking;
																const who = b.walkIn || entry.customer === null ? "Walk-in" : entry.customer.name;
																const conflict = entry.conflicts.length > 0;
																const orphaned = !lane.active;
																const time = `${timeText(b.startsAt, zone)}–${timeText(b.endsAt, zone)}`;
																const flags = [conflict ? "⚠ Conflict" : null, orphaned ? "⚠ Staff member inactive" : null].filter((f) => f !== null);
																// The spoken name starts with exactly what is shown (WCAG 2.5.3), so saying "click 10:00–10:45
																// Haircut" to voice control finds it; whose column it is and what the flags mean follow.
																const shown = [time, entry.service.name, who, ...flags].join(" ");
																return (
																	<button
																		type="button"
																		class={`booking item${conflict || orphaned ? " conflict" : ""}`}
																		data-booking={b.id}
																		data-top={p.startMinute}
																		data-height={p.minutes}
																		data-color={entry.service.color}
																		aria-label={`${shown}, with ${lane.name}${conflict ? ", conflicts with a calendar event" : ""}${orphaned ? ", move it to a colleague or cancel it" : ""}`}
																	>
																		{/* Spaces between the parts (the flex column ignores them), so the text reads as words. */}
																		<span class="time">{time}</span> <span class="title">{entry.service.name}</span> <span class="who">{who}</span>
																		{flags.map((flag) => (
																			<>
																				{" "}
																				<span class="flag">{flag}</span>
																			</>
																		))}
																	</button>
																);
															})
													: [],
											)}
										</div>
									</div>
								))}
							</div>
						</section>
					);
				})}
			</div>
		</AdminLayout>,
	);
}
