// The hosted booking page, its framable twin, the manage page and the .ics route: their content,
// their security headers, and that nothing about other customers or calendars reaches a browser.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { api, at, bookingBody, postJson, upcoming } from "../support/demo";
import { flushSchedule, importSchedule } from "../support/schedule";
import { seedDemo } from "../support/seed";

interface BookingJson {
	id: string;
	manageUrl: string;
	start: string;
}

function tokenOf(booking: BookingJson): string {
	return new URL(booking.manageUrl).searchParams.get("token") ?? "";
}

async function book(overrides: Record<string, unknown> = {}): Promise<BookingJson> {
	const res = await postJson("/api/v1/m/demo/bookings", bookingBody(overrides));
	expect(res.status).toBe(201);
	// The manage routes find a booking's merchant in D1's read model, a moment behind the object.
	await flushSchedule();
	return (await res.json<{ booking: BookingJson }>()).booking;
}

/** The JSON block the page hands to the widget bundle. */
function pageConfig(html: string): Record<string, unknown> {
	const match = /<script type="application\/json" id="slotline-config">([\s\S]*?)<\/script>/.exec(html);
	expect(match).not.toBeNull();
	return JSON.parse(match?.[1] ?? "null") as Record<string, unknown>;
}

beforeEach(async () => {
	await seedDemo();
});

describe("hosted booking page", () => {
	it("renders the first step on the server, with the widget bundle and no inline script", async () => {
		const res = await api("/b/demo");
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toContain("text/html");
		const html = await res.text();
		expect(html).toContain("Demo Studio");
		expect(html).toContain("Choose a service");
		expect(html).toContain('data-service="svc_demo_cut"');
		expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
		expect(html).toContain('<script src="/assets/widget.js" defer="">');
		// Every script is either our file or inert JSON data; the CSP allows no inline script.
		const scripts = html.match(/<script[^>]*>/g) ?? [];
		expect(scripts.length).toBe(2);
		for (const tag of scripts) expect(tag.includes('src="/assets/') || tag.includes('type="application/json"')).toBe(true);
		const config = pageConfig(html);
		expect(config["page"]).toBe("book");
		expect(config["embedded"]).toBe(false);
	});

	it("is never framed, and carries the security headers", async () => {
		const res = await api("/b/demo");
		const csp = res.headers.get("content-security-policy") ?? "";
		expect(csp).toContain("script-src 'self'");
		expect(csp).toContain("frame-ancestors 'none'");
		expect(csp).not.toContain("unsafe-inline");
		expect(res.headers.get("x-frame-options")).toBe("DENY");
		expect(res.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
		expect(res.headers.get("x-content-type-options")).toBe("nosniff");
		expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
	});

	it("offers only the sign-in methods the merchant enabled", async () => {
		expect(pageConfig(await (await api("/b/demo")).text())["signIn"]).toEqual({ google: true, facebook: true, password: true });
		await env.DB.prepare("update merchants set settings = ? where slug = 'demo'")
			.bind(JSON.stringify({ tentativeBlocks: true, signIn: { google: true, facebook: false, password: false } }))
			.run();
		expect(pageConfig(await (await api("/b/demo")).text())["signIn"]).toEqual({ google: true, facebook: false, password: false });
	});

	it("answers an unknown merchant with a 404 page", async () => {
		const res = await api("/b/nobody-here");
		expect(res.status).toBe(404);
		expect(await res.text()).toContain("There is no booking page at this address.");
	});
});

describe("widget frame", () => {
	it("may be framed by any site and addresses its messages only to the loader's origin", async () => {
		const res = await api(`/b/demo/embed?parent=${encodeURIComponent("https://shop.example")}`);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-security-policy")).toContain("frame-ancestors *");
		expect(res.headers.get("x-frame-options")).toBeNull();
		const config = pageConfig(await res.text());
		expect(config["embedded"]).toBe(true);
		expect(config["parentOrigin"]).toBe("https://shop.example");
	});

	it("ignores a parent that is not an origin", async () => {
		for (const parent of ["javascript:alert(1)", "https://shop.example/path", "nonsense"]) {
			const config = pageConfig(await (await api(`/b/demo/embed?parent=${encodeURIComponent(parent)}`)).text());
			expect(config["parentOrigin"]).toBeNull();
		}
	});

	it("keeps the page data inert even when a name contains markup", async () => {
		await env.DB.prepare("update services set name = ? where id = 'svc_demo_cut'").bind("Cut</script><script>alert(1)</script>").run();
		const html = await (await api("/b/demo/embed")).text();
		expect(html).not.toContain("<script>alert(1)");
		expect(JSON.stringify(pageConfig(html))).toContain("Cut</script><script>alert(1)</script>");
	});
});

describe("privacy of the booking flow", () => {
	it("shows another customer nothing of customer A's booking or of staff calendars", async () => {
		const day = upcoming(2);
		const a = await book({
			start: at(day, "10:00"),
			customer: { name: "Alice Privatperson", email: "alice.private@example.com", phone: "+31 6 9999 0000" },
			notes: "Secret note from Alice",
		});
		// A personal calendar event of Ben's (busy blocks hold times only, but the event id is still private).
		const now = Date.now();
		await env.DB.batch([
			env.DB.prepare("insert into calendar_connections (id, merchant_id, staff_id, provider, account_label, status, updated_at) values ('con_p', 'mer_demo', 'stf_demo_ben', 'google', 'ben.personal@gmail.example', 'active', ?)").bind(now),
			env.DB.prepare("insert into connection_calendars (id, connection_id, external_id, name, check_conflicts) values ('cal_p', 'con_p', 'ben-private-cal', 'Ben private', 1)"),
			env.DB.prepare("insert into busy_blocks (id, merchant_id, staff_id, calendar_id, external_event_id, starts_at, ends_at) values ('bb_p', 'mer_demo', 'stf_demo_ben', 'cal_p', 'evt-dentist-appointment', ?, ?)").bind(
				Date.parse(at(day, "11:00")),
				Date.parse(at(day, "12:00")),
			),
		]);
		// Written as a deployment's data was before busy time moved into the merchant's object; moved there now.
		await importSchedule();

		// Customer B's flow: the pages and every API call the widget makes.
		const d = day.toString();
		const urls = [
			"/b/demo",
			"/b/demo/embed?parent=https%3A%2F%2Fshop.example",
			"/api/v1/m/demo/services",
			"/api/v1/m/demo/staff",
			`/api/v1/m/demo/availability?serviceId=svc_demo_cut&from=${d}&to=${d}&timezone=Europe/Amsterdam`,
			`/api/v1/m/demo/availability?serviceId=svc_demo_cut&staffId=stf_demo_ana&from=${d}&to=${d}&timezone=Europe/Amsterdam`,
			`/api/v1/m/demo/availability?serviceId=svc_demo_cut&staffId=stf_demo_ben&from=${d}&to=${d}&timezone=America/New_York`,
			"/auth/session",
		];
		const secrets = ["Alice", "alice.private", "9999", "Secret note", a.id, tokenOf(a), "evt-dentist", "ben-private-cal", "ben.personal", "bb_p", "con_p", "cal_p", "@demo.slotline.test"];
		for (const url of urls) {
			const body = await (await api(url)).text();
			for (const secret of secrets) expect(body, `${url} leaks ${secret}`).not.toContain(secret);
		}

		// Slots are bare free times: no reasons, and none overlapping A's booking or Ben's busy block.
		const overlaps = (slot: { start: string; end: string }, from: string, to: string): boolean => Date.parse(slot.start) < Date.parse(to) && Date.parse(from) < Date.parse(slot.end);
		for (const staffId of ["stf_demo_ana", "stf_demo_ben"]) {
			const res = await api(`/api/v1/m/demo/availability?serviceId=svc_demo_cut&staffId=${staffId}&from=${d}&to=${d}&timezone=Europe/Amsterdam`);
			const { slots } = await res.json<{ slots: Array<Record<string, string>> }>();
			expect(slots.length).toBeGreaterThan(0);
			for (const slot of slots) {
				expect(Object.keys(slot).sort()).toEqual(["end", "localStart", "staffId", "start"]);
				const s = slot as { start: string; end: string };
				if (staffId === "stf_demo_ana") expect(overlaps(s, at(day, "10:00"), at(day, "10:45"))).toBe(false);
				else expect(overlaps(s, at(day, "11:00"), at(day, "12:00"))).toBe(false);
			}
		}
	});
});

describe("manage page", () => {
	it("shows the booking to the holder of its token, never cached or sent on as a referrer", async () => {
		const booking = await book({ customer: { name: "Manny", email: "manny@example.com" } });
		const res = await api(`/manage/${booking.id}?token=${tokenOf(booking)}`);
		expect(res.status).toBe(200);
		expect(res.headers.get("referrer-policy")).toBe("no-referrer");
		expect(res.headers.get("cache-control")).toContain("no-store");
		expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
		const html = await res.text();
		expect(html).toContain("Haircut");
		expect(html).toContain("Ana Jansen");
		expect(html).toContain("Confirmed");
		expect(html).toContain(`/api/v1/bookings/${booking.id}/calendar.ics?token=`);
		expect(html).toContain("https://calendar.google.com/calendar/render?action=TEMPLATE");
		const config = pageConfig(html);
		expect(config["page"]).toBe("manage");
	});

	it("answers a wrong token with a 404 page that reveals nothing", async () => {
		const booking = await book({ customer: { name: "Manny", email: "manny@example.com" } });
		const res = await api(`/manage/${booking.id}?token=AAAA${tokenOf(booking).slice(4)}`);
		expect(res.status).toBe(404);
		const html = await res.text();
		expect(html).not.toContain("Haircut");
		expect(html).not.toContain("Manny");
		expect((await api(`/manage/${booking.id}`)).status).toBe(404);
	});
});

describe("booking .ics", () => {
	it("returns the booking as an iCalendar event for the token holder", async () => {
		const booking = await book();
		const res = await api(`/api/v1/bookings/${booking.id}/calendar.ics?token=${tokenOf(booking)}`);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
		expect(res.headers.get("content-disposition")).toContain("attachment");
		const text = await res.text();
		expect(text).toContain("BEGIN:VEVENT");
		expect(text).toContain(`UID:${booking.id}@slotline`);
		expect(text).toContain("SUMMARY:Haircut with Ana Jansen (Demo Studio)");
		expect(text).toContain(`DTSTART:${booking.start.replace(/[-:]/g, "")}`);
	});

	it("names the attendee as typed on this booking, not as an earlier booking stored the customer", async () => {
		await book({ customer: { name: "Original Name", email: "same@example.com" } });
		const second = await book({ start: at(upcoming(3), "10:00"), customer: { name: "Typed This Time", email: "same@example.com" } });
		const text = await (await api(`/api/v1/bookings/${second.id}/calendar.ics?token=${tokenOf(second)}`)).text();
		expect(text.replace(/\r\n /g, "")).toMatch(/ATTENDEE;[^\r\n]*CN="?Typed This Time"?/);
	});

	it("is a 404 problem without the right token", async () => {
		const booking = await book();
		expect((await api(`/api/v1/bookings/${booking.id}/calendar.ics?token=nope`)).status).toBe(404);
		expect((await api(`/api/v1/bookings/${booking.id}/calendar.ics`)).status).toBe(404);
	});
});

describe("security headers on every response", () => {
	it("adds them to API answers and errors too", async () => {
		for (const path of ["/api/v1/m/demo/services", "/no-such-route", "/healthz"]) {
			const res = await api(path);
			expect(res.headers.get("x-content-type-options")).toBe("nosniff");
			expect(res.headers.get("strict-transport-security")).toMatch(/max-age=/);
			expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
		}
	});
});
