// Where a service takes place (issue 18 item 1), from the customer's side and in storage: the public API
// and booking page show the kind and an in-person address but never a meeting link; the confirmation email
// and its .ics carry each kind's LOCATION; a staff member who calls needs the customer's number; and free-text
// locations migrate, in D1 and in the merchant object's copy.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import ICAL from "ical.js";
import { beforeEach, describe, expect, it } from "vitest";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import { notifyCustomer } from "../../src/booking/notify";
import { SCHEDULE_MIGRATIONS, migrateScheduleStorage } from "../../src/booking/schedule-schema";
import { database } from "../../src/db/client";
import { services, staff } from "../../src/db/schema";
import { RecordingMailer } from "../../src/mail/recording-mailer";
import { placeColumns } from "../../src/place";
import type { Place } from "../../src/place";
import { api, at, bookDirectly, bookingBody, postJson, upcoming, weekdayAt } from "../support/demo";
import { flushSchedule, refreshSchedule } from "../support/schedule";
import { seedDemo } from "../support/seed";

const DEMO_ADDRESS = "Demo Studio, Keizersgracht 1, Amsterdam";
const SECRET_LINK = "https://meet.example.com/secret-room-42";

beforeEach(async () => {
	await seedDemo();
});

/** Sets a service's place in D1 (as the admin saves it) and hands it to the merchant's object. */
async function placeService(serviceId: string, place: Place): Promise<void> {
	await database(env.DB).update(services).set({ ...placeColumns(place), placeKind: place.kind }).where(eq(services.id, serviceId));
	await refreshSchedule();
}

async function placeStaff(staffId: string, place: Place | null): Promise<void> {
	await database(env.DB).update(staff).set(placeColumns(place)).where(eq(staff.id, staffId));
	await refreshSchedule();
}

function decode(base64: string): string {
	return new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
}

function icsLocation(ics: string): unknown {
	return ICAL.Component.fromString(ics).getFirstSubcomponent("vevent")?.getFirstPropertyValue("location") ?? null;
}

const notifyConfig = () => ({ appUrl: "http://localhost:8787", sessionSecret: env.SESSION_SECRET, mailFrom: env.MAIL_FROM, now: Date.now() });

describe("the place customers see", () => {
	it("lists the kind and an in-person address in the public API, and never a fixed meeting link", async () => {
		await placeService("svc_demo_consult", { kind: "fixed_link", url: SECRET_LINK });
		await placeService("svc_demo_colour", { kind: "google_meet" });
		await placeService("svc_demo_massage", { kind: "in_person_address", address: "Branch: Damrak 1" });
		await placeStaff("stf_demo_ben", { kind: "phone_customer_calls", phone: "+31 20 555 0101" });

		const servicesRes = await api("/api/v1/m/demo/services");
		const text = await servicesRes.text();
		expect(text).not.toContain("secret-room");
		const listed = (JSON.parse(text) as { services: Array<{ id: string; place: unknown }> }).services;
		const placeOf = (id: string) => listed.find((s) => s.id === id)?.place;
		expect(placeOf("svc_demo_cut")).toEqual({ kind: "in_person_business", address: DEMO_ADDRESS, phone: null });
		expect(placeOf("svc_demo_massage")).toEqual({ kind: "in_person_address", address: "Branch: Damrak 1", phone: null });
		expect(placeOf("svc_demo_colour")).toEqual({ kind: "google_meet", address: null, phone: null });
		expect(placeOf("svc_demo_consult")).toEqual({ kind: "fixed_link", address: null, phone: null });

		const staffList = (await (await api("/api/v1/m/demo/staff")).json<{ staff: Array<{ id: string; place: unknown }> }>()).staff;
		expect(staffList.find((m) => m.id === "stf_demo_ben")?.place).toEqual({ kind: "phone_customer_calls", address: null, phone: "+31 20 555 0101" });
		expect(staffList.find((m) => m.id === "stf_demo_ana")?.place).toBeNull();

		// The booking page says where before anyone books, in its HTML and in the data the widget starts from.
		const page = await (await api("/b/demo")).text();
		expect(page).toContain("Online (Google Meet)");
		expect(page).toContain(`In person at ${DEMO_ADDRESS}`);
		expect(page).toContain("In person at Branch: Damrak 1");
		expect(page).not.toContain("secret-room");
		expect(await (await api("/b/demo/embed")).text()).not.toContain("secret-room");
	});

	it("shows the booking's holder the fixed link on the manage page and in its .ics", async () => {
		await placeService("svc_demo_consult", { kind: "fixed_link", url: SECRET_LINK });
		const res = await postJson("/api/v1/m/demo/bookings", bookingBody({ serviceId: "svc_demo_consult" }));
		expect(res.status).toBe(201);
		const created = await res.text();
		expect(created).not.toContain("secret-room");
		const { booking } = JSON.parse(created) as { booking: { id: string; manageUrl: string } };
		await flushSchedule();
		const manage = new URL(booking.manageUrl);
		const html = await (await api(`${manage.pathname}${manage.search}`)).text();
		expect(html).toContain(`Online: ${SECRET_LINK}`);
		const ics = await (await api(`/api/v1/bookings/${booking.id}/calendar.ics${manage.search}`)).text();
		expect(icsLocation(ics)).toBe(SECRET_LINK);
	});
});

describe("the confirmation email and its .ics", () => {
	it("carry each kind's LOCATION: the address, the phone text, the fixed link, or the meeting until its link exists", async () => {
		const cases: Array<{ place: Place; own?: Place; location: string }> = [
			{ place: { kind: "in_person_business" }, location: DEMO_ADDRESS },
			{ place: { kind: "in_person_address", address: "Herengracht 5, Amsterdam" }, location: "Herengracht 5, Amsterdam" },
			{ place: { kind: "phone_customer_calls", phone: "+31 20 123 4567" }, location: "By phone: call +31 20 123 4567" },
			{ place: { kind: "phone_staff_calls" }, location: "By phone: we call you at +31 6 5555 0000" },
			{ place: { kind: "google_meet" }, location: "Google Meet (link to follow)" },
			{ place: { kind: "microsoft_teams" }, location: "Microsoft Teams (link to follow)" },
			{ place: { kind: "zoom" }, location: "Zoom (link to follow)" },
			{ place: { kind: "fixed_link", url: SECRET_LINK }, location: SECRET_LINK },
			// Ana works from home by phone: her own place stands in for the service's.
			{ place: { kind: "google_meet" }, own: { kind: "phone_customer_calls", phone: "+31 6 1111 2222" }, location: "By phone: call +31 6 1111 2222" },
		];
		const times = ["09:00", "10:00", "11:00", "13:30", "14:30", "15:30", "16:30"];
		for (const [index, { place, own, location }] of cases.entries()) {
			await placeService("svc_demo_cut", place);
			await placeStaff("stf_demo_ana", own ?? null);
			const start = weekdayAt(index < times.length ? 2 : 3, times[index % times.length] as string);
			const [booking] = await bookDirectly({ start, customer: { name: "Paula Place", email: "paula@example.com", phone: "+31 6 5555 0000" } });
			const mailer = new RecordingMailer();
			expect(await notifyCustomer(env, mailer, notifyConfig(), { type: "booking.notify", merchantId: "mer_demo", bookingId: booking!.id, version: 1, change: "created" })).toBe("sent");
			const [email] = mailer.outbox;
			expect(email?.text, place.kind).toContain(`Where: ${location}`);
			expect(icsLocation(decode(email!.attachments![0]!.content)), place.kind).toBe(location);
		}
	});
});

describe("a service where the staff member calls the customer", () => {
	it("needs the customer's phone number to book", async () => {
		await placeService("svc_demo_cut", { kind: "phone_staff_calls" });
		for (const customer of [{ name: "No Phone", email: "nophone@example.com" }, { name: "Blank Phone", email: "blank@example.com", phone: "  " }]) {
			const refused = await postJson("/api/v1/m/demo/bookings", bookingBody({ customer }));
			expect(refused.status).toBe(400);
			const problem = await refused.json<{ errors: Array<{ field: string; message: string }> }>();
			expect(problem.errors.map((e) => e.field)).toEqual(["body.customer.phone"]);
			expect(problem.errors[0]?.message).toMatch(/Ana Jansen calls you/);
		}
		const booked = await postJson("/api/v1/m/demo/bookings", bookingBody({ customer: { name: "With Phone", email: "phone@example.com", phone: "+31 6 5555 0000" } }));
		expect(booked.status).toBe(201);
		// Elsewhere the number stays optional.
		await placeService("svc_demo_cut", { kind: "phone_customer_calls", phone: "+31 20 123 4567" });
		expect((await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(upcoming(2), "11:00") }))).status).toBe(201);
	});
});

describe("free-text locations", () => {
	it("migrate in D1 (0014): text becomes in person at that address, none stays at the business address", async () => {
		const migrations = env.TEST_MIGRATIONS;
		const index = migrations.findIndex((m) => m.name.startsWith("0014_"));
		expect(index).toBeGreaterThan(0);
		// A scratch SQLite database at the previous migration: a Durable Object's storage, emptied.
		const rows = await runInDurableObject(merchantSchedule(env, "mer_d1_migration_scratch"), async (_instance, state) => {
			await state.storage.deleteAll();
			const sql = state.storage.sql;
			for (const migration of migrations.slice(0, index)) for (const query of migration.queries) sql.exec(query);
			sql.exec("insert into merchants (id, slug, name, timezone, settings) values ('mer_old', 'old', 'Old', 'UTC', '{}')");
			for (const [id, location] of [
				["svc_text", "  Herengracht 5, Amsterdam "],
				["svc_empty", ""],
				["svc_blank", "   "],
				["svc_null", null],
			] as const) {
				sql.exec("insert into services (id, merchant_id, name, duration_minutes, color, location) values (?, 'mer_old', ?, 30, '#000000', ?)", id, id, location);
			}
			const versionBefore = sql.exec<{ v: number }>("select setup_version as v from merchants").one().v;
			for (const query of (migrations[index] as (typeof migrations)[number]).queries) sql.exec(query);
			const columns = sql.exec<{ name: string }>("select name from pragma_table_info('services')").toArray().map((c) => c.name);
			const places = sql.exec("select id, place_kind, place_address, place_phone, place_url from services order by id").toArray();
			const versionAfter = sql.exec<{ v: number }>("select setup_version as v from merchants").one().v;
			// The business address is setup the object copies: changing it moves setup_version.
			sql.exec("update merchants set address = 'Damrak 1'");
			const versionAddressed = sql.exec<{ v: number }>("select setup_version as v from merchants").one().v;
			const staffColumns = sql.exec<{ name: string }>("select name from pragma_table_info('staff')").toArray().map((c) => c.name);
			await state.storage.deleteAll();
			return { columns, places, staffColumns, versionBefore, versionAfter, versionAddressed };
		});
		expect(rows.columns).not.toContain("location");
		expect(rows.staffColumns).toEqual(expect.arrayContaining(["place_kind", "place_address", "place_phone", "place_url"]));
		expect(rows.places).toEqual([
			{ id: "svc_blank", place_kind: "in_person_business", place_address: null, place_phone: null, place_url: null },
			{ id: "svc_empty", place_kind: "in_person_business", place_address: null, place_phone: null, place_url: null },
			{ id: "svc_null", place_kind: "in_person_business", place_address: null, place_phone: null, place_url: null },
			{ id: "svc_text", place_kind: "in_person_address", place_address: "Herengracht 5, Amsterdam", place_phone: null, place_url: null },
		]);
		// The objects' copies are behind D1 from then on, so the cron reloads them.
		expect(rows.versionAfter).toBeGreaterThan(rows.versionBefore);
		expect(rows.versionAddressed).toBe(rows.versionAfter + 1);
	});

	it("migrate in the merchant object's copy (schema version 3 to 4), and its emails print the same place", async () => {
		const to = SCHEDULE_MIGRATIONS.length;
		const migrated = await runInDurableObject(merchantSchedule(env, "mer_schema_place"), async (_instance, state) => {
			await state.storage.deleteAll();
			const sql = state.storage.sql;
			sql.exec("create table schema_version (id integer primary key check (id = 1), version integer not null)");
			for (let step = 0; step < to - 1; step++) sql.exec(SCHEDULE_MIGRATIONS[step] as string);
			sql.exec("insert into schema_version (id, version) values (1, ?)", to - 1);
			const insert = "insert into services (id, name, duration_minutes, buffer_before_minutes, buffer_after_minutes, min_notice_minutes, horizon_days, slot_interval_minutes, active, location) values (?, ?, 30, 0, 0, 0, 60, 15, 1, ?)";
			sql.exec(insert, "svc_text", "Text", " Herengracht 5, Amsterdam ");
			sql.exec(insert, "svc_none", "None", null);
			sql.exec("insert into staff (id, name, timezone, position, active) values ('stf_a', 'A', 'UTC', 0, 1)");
			sql.exec("insert into setup_state (id, merchant_id, merchant_name, merchant_timezone, tentative_blocks, setup_version, loaded_at) values (1, 'mer_schema_place', 'Place', 'UTC', 0, 1, 0)");
			expect(migrateScheduleStorage(state.storage)).toBe(to);
			const result = {
				services: sql.exec("select id, place_kind, place_address, place_phone, place_url from services order by id").toArray(),
				staff: sql.exec("select id, place_kind, place_address, place_phone, place_url from staff").toArray(),
				setup: sql.exec("select merchant_name, merchant_address from setup_state").toArray(),
			};
			await state.storage.deleteAll();
			return result;
		});
		expect(migrated.services).toEqual([
			{ id: "svc_none", place_kind: "in_person_business", place_address: null, place_phone: null, place_url: null },
			{ id: "svc_text", place_kind: "in_person_address", place_address: "Herengracht 5, Amsterdam", place_phone: null, place_url: null },
		]);
		expect(migrated.staff).toEqual([{ id: "stf_a", place_kind: null, place_address: null, place_phone: null, place_url: null }]);
		expect(migrated.setup).toEqual([{ merchant_name: "Place", merchant_address: null }]);
	});
});
