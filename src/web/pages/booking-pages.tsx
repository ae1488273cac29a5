// Customer pages: the hosted booking page /b/{merchant}, its framable twin /b/{merchant}/embed (what
// embed.js puts in an iframe) and the manage page /manage/{id}?token=. Server-rendered shells with the
// first step in the HTML; the widget bundle runs the rest of the flow against the public API.
import type { Context } from "hono";
import { Hono } from "hono";
import { bookedPlaceOf } from "../../booking/booked-place";
import { googleCalendarUrl, icsPath } from "../../booking/calendar-links";
import { merchantBySlug } from "../../db/queries/catalog";
import { NotFoundError } from "../../errors";
import { meetingOfBooking } from "../../meetings/meeting-view";
import { placeLocation, placeText } from "../../place-view";
import { utcIso } from "../../time";
import type { AppEnv } from "../context";
import { managedBooking } from "../managed-booking";
import { framableAnywhere } from "../security-headers";
import { catalogueView, signInMethods } from "../catalogue-view";
import type { Service } from "../api/schemas";
import { Layout } from "./layout";

const HEX_COLOUR = /^#[0-9a-f]{6}$/i;

/** The embedding page's origin from the loader, when it is one (it only addresses our postMessages). */
function parentOrigin(value: string | undefined): string | null {
	if (value === undefined) return null;
	try {
		const url = new URL(value);
		return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value ? url.origin : null;
	} catch {
		return null;
	}
}

function priceText(service: Service): string {
	if (service.price === null) return "";
	return ` · ${new Intl.NumberFormat("en", { style: "currency", currency: service.price.currency }).format(service.price.amountCents / 100)}`;
}

async function notFoundPage(c: Context<AppEnv>, what: string): Promise<Response> {
	return c.html(
		<Layout title="Not found" config={{ page: "none" }}>
			<h1>Not found</h1>
			<p>{what}</p>
		</Layout>,
		404,
	);
}

async function bookingPage(c: Context<AppEnv>, embedded: boolean): Promise<Response> {
	const db = c.var.db;
	let merchant;
	try {
		merchant = await merchantBySlug(db, c.req.param("merchant") ?? "");
	} catch (error) {
		if (error instanceof NotFoundError) return notFoundPage(c, "There is no booking page at this address.");
		throw error;
	}
	const { services, staff } = await catalogueView(db, merchant);
	const config = {
		page: "book",
		merchant: { slug: merchant.slug, name: merchant.name, brandColor: HEX_COLOUR.test(merchant.brandColor) ? merchant.brandColor : null },
		services,
		staff,
		signIn: signInMethods(merchant),
		embedded,
		parentOrigin: embedded ? parentOrigin(c.req.query("parent")) : null,
	};
	return c.html(
		<Layout title={`Book with ${merchant.name}`} config={config} embedded={embedded}>
			<h1 class="brand">{merchant.name}</h1>
			<main id="slotline-app">
				<div class="step" data-step="service">
					<header>
						<p class="progress">Step 1 of 5</p>
						<h2 tabindex={-1}>Choose a service</h2>
					</header>
					<ul class="choices">
						{services.map((s) => (
							<li>
								<button type="button" class="choice" data-service={s.id}>
									<strong>{s.name}</strong>
									<span>{`${s.durationMinutes} min${priceText(s)}`}</span>
									<span class="place">{placeText(s.place)}</span>
								</button>
							</li>
						))}
					</ul>
				</div>
				<noscript>
					<p>Booking needs JavaScript. Please enable it, or contact {merchant.name} directly.</p>
				</noscript>
			</main>
		</Layout>,
	);
}

function when(instant: number, zone: string): string {
	return `${new Intl.DateTimeFormat("en-GB", { dateStyle: "full", timeStyle: "short", timeZone: zone }).format(new Date(instant))} (${zone.replaceAll("_", " ")})`;
}

async function managePage(c: Context<AppEnv>): Promise<Response> {
	const id = c.req.param("id") ?? "";
	const token = c.req.query("token");
	let found;
	try {
		found = await managedBooking(c.var.db, c.env, id, token);
	} catch (error) {
		if (error instanceof NotFoundError) return notFoundPage(c, "This booking link is not valid. Please use the link from your confirmation email.");
		throw error;
	}
	const { booking, merchant, service, staffMember, manageUrl } = found;
	const manageToken = new URL(manageUrl).searchParams.get("token") ?? "";
	const start = utcIso(booking.startsAt);
	const end = utcIso(booking.endsAt);
	const title = `${service.name} with ${staffMember.name} (${merchant.name})`;
	// The booking's holder: the meeting link (fixed, or made for the booking) shows here.
	const place = bookedPlaceOf(service, staffMember, merchant.address, booking.customerPhone);
	const meeting = await meetingOfBooking(c.var.db, booking, service, staffMember);
	const joinUrl = meeting?.joinUrl ?? null;
	const calendarEvent = { title, details: `${joinUrl === null ? "" : `Join the video meeting: ${joinUrl}\n`}Manage your booking: ${manageUrl}`, location: joinUrl ?? placeLocation(place) };
	const config = {
		page: "manage",
		merchant: { slug: merchant.slug, name: merchant.name, brandColor: HEX_COLOUR.test(merchant.brandColor) ? merchant.brandColor : null },
		booking: { id: booking.id, token: manageToken, serviceId: service.id, staffId: staffMember.id, status: booking.status, start, end, timezone: booking.timezone },
		// The island keeps the add-to-calendar links true after a reschedule or a cancellation.
		calendarEvent,
	};
	// The URL holds the manage token: never send it onwards, never cache the page.
	c.header("referrer-policy", "no-referrer");
	c.header("cache-control", "private, no-store");
	return c.html(
		<Layout title={`Your booking with ${merchant.name}`} config={config}>
			<h1 class="brand">{merchant.name}</h1>
			<main>
				<h2>Your booking</h2>
				<dl class="summary">
					<dt>Service</dt>
					<dd>{service.name}</dd>
					<dt>With</dt>
					<dd>{staffMember.name}</dd>
					<dt>When</dt>
					<dd id="slotline-when">{when(booking.startsAt, booking.timezone)}</dd>
					<dt>Where</dt>
					<dd id="slotline-place">{placeText(place)}</dd>
					{meeting === null ? null : (
						<>
							<dt>Video link</dt>
							<dd id="slotline-meeting">
								{joinUrl !== null ? (
									<a class="button" id="slotline-join" href={joinUrl} target="_blank" rel="noopener noreferrer">
										Join
									</a>
								) : (
									"Meeting link pending: we will email it to you as soon as it is ready."
								)}
							</dd>
						</>
					)}
					<dt>Status</dt>
					<dd id="slotline-status">{booking.status === "confirmed" ? "Confirmed" : "Cancelled"}</dd>
				</dl>
				{booking.status === "confirmed" ? (
					<p class="actions" id="slotline-calendar-links">
						<a class="button secondary" href={icsPath(booking.id, manageToken)} download="booking.ics">
							Add to calendar (.ics)
						</a>
						<a class="button secondary" id="slotline-google-calendar" href={googleCalendarUrl({ ...calendarEvent, start, end })} target="_blank" rel="noopener">
							Add to Google Calendar
						</a>
					</p>
				) : null}
				<div id="slotline-app"></div>
			</main>
		</Layout>,
	);
}

export const bookingPages = new Hono<AppEnv>()
	.get("/b/:merchant", (c) => bookingPage(c, false))
	.get("/b/:merchant/embed", framableAnywhere(), (c) => bookingPage(c, true))
	.get("/manage/:id", managePage);
