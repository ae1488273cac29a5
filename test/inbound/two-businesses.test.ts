// One person working at two businesses, with the same Google calendar connected in both: each business
// writes its bookings there, skips its own booking events when it reads the calendar back, and takes the
// other business's booking events as busy time, so neither can book the person over the other's booking.
import { beforeEach, describe, expect, it } from "vitest";
import { calendarsOf } from "../../src/db/queries/connections";
import { DEMO_MERCHANT_ID, DEMO_TIMEZONE } from "../../src/demo/seed";
import { ConflictError } from "../../src/errors";
import { runCalendarSync } from "../../src/sync/inbound";
import { connectSandboxAccount } from "../../src/sync/sandbox-connect";
import { at } from "../support/demo";
import { sandboxUrl } from "../support/sandbox-control";
import { insertMerchant, seedDemo } from "../support/seed";
import { blocksOf, book, db, deliver, inboundContext, runQueuedSyncs, uniqueEmail, workday } from "./harness";
import type { InboundTestContext } from "./harness";
import { liveEvents } from "../sync/harness";

const SECOND = { merchantId: "mer_second", staffId: "stf_second_ana", serviceId: "svc_second_cut" };

/** A second business where Ana also works, Wednesdays 09:00–17:00, with a 30-minute service. */
async function seedSecondBusiness(): Promise<void> {
	await insertMerchant({
		id: SECOND.merchantId,
		slug: "second",
		name: "Second Studio",
		timezone: DEMO_TIMEZONE,
		settings: { tentativeBlocks: true, signIn: { google: false, facebook: false, password: true } },
		staff: [{ id: SECOND.staffId, name: "Ana Jansen", email: "ana@second.test", color: "#0ea5e9", hours: [[3, "09:00", "17:00"]] }],
		services: [{ id: SECOND.serviceId, name: "Cut", durationMinutes: 30, color: "#111111", staff: [SECOND.staffId] }],
		owner: null,
	});
}

beforeEach(async () => {
	await seedDemo({ owner: { password: null } });
	await seedSecondBusiness();
});

async function writeCalendarOf(connectionId: string): Promise<string> {
	const write = (await calendarsOf(db, connectionId)).find((c) => c.isWriteTarget);
	if (write === undefined) throw new Error("no write calendar was chosen");
	return write.id;
}

async function syncNow(context: InboundTestContext, calendarId: string): Promise<void> {
	const report = await runCalendarSync(context, { type: "calendar.sync", calendarId, reason: "cron" });
	expect(["synced", "unchanged"]).toContain(report.outcome);
}

describe("one calendar connected in two businesses", () => {
	it("each business skips only its own booking events; the other's block time and refuse an overlapping booking", async () => {
		const context = inboundContext();
		const email = uniqueEmail("shared");
		const first = await connectSandboxAccount(context, { sandboxUrl, provider: "google", email, name: "Ana Jansen", merchantId: DEMO_MERCHANT_ID, staffId: "stf_demo_ana" });
		const second = await connectSandboxAccount(context, { sandboxUrl, provider: "google", email, name: "Ana Jansen", merchantId: SECOND.merchantId, staffId: SECOND.staffId });
		const firstCalendar = await writeCalendarOf(first.id);
		const secondCalendar = await writeCalendarOf(second.id);
		await runQueuedSyncs(context);

		// The first business books Ana at 10:00, the second at 14:00; both land in the one calendar.
		const day = workday();
		const [inFirst] = await book({ staffId: "stf_demo_ana", serviceId: "svc_demo_consult", start: Date.parse(at(day, "10:00")) });
		const [inSecond] = await book({ merchantId: SECOND.merchantId, staffId: SECOND.staffId, serviceId: SECOND.serviceId, start: Date.parse(at(day, "14:00")) });
		expect(await deliver(context)).toEqual(["written", "written"]);
		expect(await liveEvents("google", email)).toHaveLength(2);

		await syncNow(context, firstCalendar);
		await syncNow(context, secondCalendar);
		// Each sees only the other's booking as busy time.
		expect((await blocksOf(firstCalendar)).map((b) => [b.starts_at, b.ends_at])).toEqual([[inSecond!.start, inSecond!.end]]);
		expect((await blocksOf(secondCalendar)).map((b) => [b.starts_at, b.ends_at])).toEqual([[inFirst!.start, inFirst!.end]]);

		// So neither business can book Ana over the other's booking.
		await expect(book({ merchantId: SECOND.merchantId, staffId: SECOND.staffId, serviceId: SECOND.serviceId, start: Date.parse(at(day, "10:00")) })).rejects.toBeInstanceOf(ConflictError);
		await expect(book({ staffId: "stf_demo_ana", serviceId: "svc_demo_consult", start: Date.parse(at(day, "14:00")) })).rejects.toBeInstanceOf(ConflictError);
	});
});
