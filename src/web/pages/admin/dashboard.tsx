// /admin: today's bookings, the upcoming ones, a banner for every calendar connection in Error and,
// for owners, one for upcoming bookings whose staff member was deactivated and one for booking updates
// (emails, calendar writes) that ran out of retries and wait for the cron's next try.
import type { Context } from "hono";
import { bookingsBetween, upcomingWithInactiveStaff } from "../../../booking/calendar-view";
import type { AdminBooking } from "../../../booking/calendar-view";
import { merchantSettingsSchema } from "../../../db/queries/admin-settings";
import { undeliveredUpdates } from "../../../sync/dead-letters";
import type { UndeliveredUpdates } from "../../../sync/dead-letters";
import { addDays, localDate, localDayStart } from "../../../time";
import type { AppEnv } from "../../context";
import { connectionsNeedingAttention } from "./attention";
import { dayText, timeText } from "./format";
import { AdminLayout } from "./layout";
import { adminPageContext, isOwner } from "./page-context";

const UPCOMING_DAYS = 14;
const UPCOMING_LIMIT = 20;

function BookingRow(props: { entry: AdminBooking; zone: string; withDay: boolean }) {
	const b = props.entry.booking;
	const who = b.walkIn || props.entry.customer === null ? "Walk-in" : props.entry.customer.name;
	return (
		<li class="booking-row">
			<span class="swatch" data-color={props.entry.service.color} aria-hidden="true"></span>
			<span class="when">
				{props.withDay ? `${dayText(b.startsAt, props.zone)} ` : ""}
				{`${timeText(b.startsAt, props.zone)}–${timeText(b.endsAt, props.zone)}`}
			</span>
			<span class="what">
				<strong>{props.entry.service.name}</strong> · {who} · with {props.entry.staff.name}
			</span>
			{props.entry.conflicts.length > 0 ? <span class="flag">Conflict with a calendar event</span> : null}
			<a href={`/admin/calendar?date=${localDate(b.startsAt, props.zone)}&booking=${b.id}`}>Open</a>
		</li>
	);
}

function undeliveredText(undelivered: UndeliveredUpdates): string {
	const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
	const parts = [
		undelivered.emails > 0 ? count(undelivered.emails, "customer email", "customer emails") : null,
		undelivered.changes > 0 ? count(undelivered.changes, "booking change (its email and calendar writes)", "booking changes (their emails and calendar writes)") : null,
	].filter((part) => part !== null);
	return `${parts.join(" and ")} could not be sent yet.`;
}

export async function dashboardPage(c: Context<AppEnv>): Promise<Response> {
	const page = await adminPageContext(c);
	const zone = page.merchant.timezone;
	const today = localDate(page.now, zone);
	const tentativeBlocks = merchantSettingsSchema.parse(page.merchant.settings ?? {}).tentativeBlocks;
	const todayStart = localDayStart(today, zone);
	const tomorrowStart = localDayStart(addDays(today, 1), zone);
	const [entries, attention, orphaned, undelivered] = await Promise.all([
		// Today and the upcoming days in one read, split below: a booking over midnight is in both.
		bookingsBetween(c.env, c.var.db, { merchantId: page.merchant.id, from: todayStart, to: localDayStart(addDays(today, UPCOMING_DAYS + 1), zone), staffId: null, tentativeBlocks }),
		connectionsNeedingAttention(c.var.db, page.membership),
		isOwner(page) ? upcomingWithInactiveStaff(c.env, c.var.db, page.merchant.id, page.now) : Promise.resolve([]),
		isOwner(page) ? undeliveredUpdates(c.var.db, page.merchant.id) : Promise.resolve<UndeliveredUpdates>({ emails: 0, changes: 0 }),
	]);
	const confirmed = entries.filter((e) => e.booking.status === "confirmed");
	const confirmedToday = confirmed.filter((e) => e.booking.startsAt < tomorrowStart && e.booking.endsAt > todayStart);
	const upcoming = confirmed.filter((e) => e.booking.endsAt > tomorrowStart).slice(0, UPCOMING_LIMIT);
	return c.html(
		<AdminLayout title="Dashboard" section="dashboard" viewer={page.viewer} config={{ page: "dashboard", csrfToken: page.csrfToken }}>
			<h1>Dashboard</h1>
			{attention.map((item) => (
				<div class="banner error" role="alert">
					<p>
						<strong>{item.text}</strong>
						{item.detail === "" ? null : <span class="detail">{item.detail}</span>}
					</p>
					<a class="button" href={`/admin/integrations#${item.connectionId}`}>
						Fix in Integrations
					</a>
				</div>
			))}
			{orphaned.map((item) => (
				<div class="banner error" role="alert">
					<p>
						<strong>{`${item.count} upcoming booking${item.count === 1 ? " is" : "s are"} with ${item.name}, who is no longer active.`}</strong>
						<span class="detail">Move {item.count === 1 ? "it" : "them"} to a colleague or cancel {item.count === 1 ? "it" : "them"}; the customers are told by email.</span>
					</p>
					<a class="button" href={`/admin/calendar?date=${localDate(item.first, zone)}`}>
						Open the calendar
					</a>
				</div>
			))}
			{undelivered.emails + undelivered.changes > 0 ? (
				<div class="banner error" role="alert">
					<p>
						<strong>{undeliveredText(undelivered)}</strong>
						<span class="detail">Slotline keeps trying them automatically; this goes away once they are through.</span>
					</p>
				</div>
			) : null}
			<div class="columns">
				<section aria-labelledby="today-heading" class="card">
					<h2 id="today-heading">Today, {dayText(page.now, zone)}</h2>
					{confirmedToday.length === 0 ? (
						<p class="muted">No bookings today.</p>
					) : (
						<ul class="booking-list" id="today-bookings">
							{confirmedToday.map((entry) => (
								<BookingRow entry={entry} zone={zone} withDay={false} />
							))}
						</ul>
					)}
				</section>
				<section aria-labelledby="upcoming-heading" class="card">
					<h2 id="upcoming-heading">Upcoming (next {UPCOMING_DAYS} days)</h2>
					{upcoming.length === 0 ? (
						<p class="muted">Nothing booked yet.</p>
					) : (
						<ul class="booking-list" id="upcoming-bookings">
							{upcoming.map((entry) => (
								<BookingRow entry={entry} zone={zone} withDay={true} />
							))}
						</ul>
					)}
				</section>
			</div>
		</AdminLayout>,
	);
}
