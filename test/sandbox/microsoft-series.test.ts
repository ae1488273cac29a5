// Graph series edits and the control API's recurring/cancelled events (docs/providers.md B1, B2).
import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import { bearer, microsoftSignIn, postJson, sandboxPerFile } from "./helpers";

interface Ev {
	id: string;
	type: string;
	subject: string;
	seriesMasterId?: string | null;
	start: { dateTime: string };
	isCancelled?: boolean;
	showAs?: string;
	"@removed"?: unknown;
}

let sandbox: Sandbox;
let graph: string;
let token: string;
let calendarId: string;
const window = "startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-01T00:00:00Z";

sandboxPerFile((started) => {
	sandbox = started;
	graph = `${sandbox.url}/microsoft/graph/v1.0`;
});
beforeEach(async () => {
	token = (await microsoftSignIn(sandbox, "sam@example.com")).access_token;
	const calendars = (await (await fetch(`${sandbox.url}/_control/microsoft/calendars`)).json()) as Array<{ id: string }>;
	calendarId = calendars[0]?.id ?? "";
});

async function view(): Promise<Ev[]> {
	const res = await fetch(`${graph}/me/calendarView?${window}&$top=100`, { headers: bearer(token) });
	expect(res.status).toBe(200);
	return ((await res.json()) as { value: Ev[] }).value;
}
async function deltaRound(url: string): Promise<{ items: Ev[]; deltaLink: string }> {
	const items: Ev[] = [];
	let next: string | undefined = url;
	while (next !== undefined) {
		const page = (await (await fetch(next, { headers: { ...bearer(token), prefer: "odata.maxpagesize=5" } })).json()) as { value: Ev[]; "@odata.nextLink"?: string; "@odata.deltaLink"?: string };
		items.push(...page.value);
		if (page["@odata.deltaLink"] !== undefined) return { items, deltaLink: page["@odata.deltaLink"] };
		next = page["@odata.nextLink"];
	}
	throw new Error("no deltaLink");
}
function patch(id: string, body: unknown): Promise<Response> {
	return fetch(`${graph}/me/events/${id}`, { method: "PATCH", headers: { ...bearer(token), "content-type": "application/json" }, body: JSON.stringify(body) });
}
const berlin = (date: string, time: string): { dateTime: string; timeZone: string } => ({ dateTime: `${date}T${time}`, timeZone: "Europe/Berlin" });
const weekly = (count: number, days = ["monday", "wednesday"]): Record<string, unknown> => ({
	pattern: { type: "weekly", interval: 1, daysOfWeek: days, firstDayOfWeek: "monday" },
	range: { type: "numbered", startDate: "2026-03-02", numberOfOccurrences: count },
});
async function createSeries(): Promise<Ev> {
	const res = await postJson(`${graph}/me/events`, { subject: "Standup", start: berlin("2026-03-02", "09:00:00"), end: berlin("2026-03-02", "09:30:00"), recurrence: weekly(6) }, bearer(token));
	expect(res.status).toBe(201);
	return (await res.json()) as Ev;
}

describe("Control API: recurring and cancelled Outlook events", () => {
	it("creates a series from RRULE and EXDATE lines as Outlook's repeat dialog would", async () => {
		const res = await postJson(`${sandbox.url}/_control/microsoft/calendars/${calendarId}/events`, {
			summary: "Yoga",
			start: "2026-03-03T18:00:00",
			end: "2026-03-03T19:00:00",
			timeZone: "Europe/Berlin",
			recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=TU,TH;COUNT=6", "EXDATE;TZID=Europe/Berlin:20260310T180000"],
		});
		expect(res.status).toBe(201);
		const master = (await res.json()) as Ev & { recurrence: unknown };
		expect(master).toMatchObject({ type: "seriesMaster", recurrence: { pattern: { type: "weekly", daysOfWeek: ["tuesday", "thursday"] }, range: { type: "numbered", numberOfOccurrences: 6 } } });
		const occurrences = await view();
		// Six occurrences, the one on 10 March cancelled; 18:00 Berlin is 17:00 UTC, then 16:00 from 29 March.
		expect(occurrences.map((e) => e.start.dateTime.slice(0, 16))).toEqual(["2026-03-03T17:00", "2026-03-05T17:00", "2026-03-12T17:00", "2026-03-17T17:00", "2026-03-19T17:00"]);
		expect(new Set(occurrences.map((e) => e.seriesMasterId))).toEqual(new Set([master.id]));
	});

	it("creates daily, monthly and open-ended series and refuses what Outlook cannot express", async () => {
		const make = (recurrence: string[]): Promise<Response> =>
			postJson(`${sandbox.url}/_control/microsoft/calendars/${calendarId}/events`, { summary: recurrence[0], start: "2026-03-02T12:00:00Z", end: "2026-03-02T12:30:00Z", recurrence });
		expect((await make(["RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20260308T235959Z"])).status).toBe(201);
		expect((await make(["RRULE:FREQ=MONTHLY;BYDAY=1MO"])).status).toBe(201);
		const all = await view();
		expect(all.filter((e) => e.subject.includes("DAILY")).map((e) => e.start.dateTime.slice(0, 10))).toEqual(["2026-03-02", "2026-03-04", "2026-03-06", "2026-03-08"]);
		expect(all.filter((e) => e.subject.includes("MONTHLY")).map((e) => e.start.dateTime.slice(0, 10))).toEqual(["2026-03-02"]);
		expect((await make(["RRULE:FREQ=HOURLY"])).status).toBe(400);
		expect((await make(["RRULE:FREQ=DAILY", "RDATE:20260320T120000Z"])).status).toBe(400);
	});

	it("marks a cancelled event as Outlook shows a cancelled meeting: isCancelled, free", async () => {
		const res = await postJson(`${sandbox.url}/_control/microsoft/calendars/${calendarId}/events`, { summary: "Off", start: "2026-03-02T09:00:00Z", end: "2026-03-02T10:00:00Z", status: "cancelled" });
		expect(res.status).toBe(201);
		expect(await res.json()).toMatchObject({ isCancelled: true, showAs: "free" });
		// Clients cannot set isCancelled themselves.
		const own = await postJson(`${graph}/me/events`, { subject: "x", start: berlin("2026-03-02", "09:00:00"), end: berlin("2026-03-02", "10:00:00"), isCancelled: true }, bearer(token));
		expect(await own.json()).toMatchObject({ isCancelled: false });
	});
});

describe("Graph series master edits (docs/providers.md B2)", () => {
	it("new times rebuild the series: new occurrence ids, old occurrences, exceptions and cancellations removed", async () => {
		const master = await createSeries();
		const before = await view();
		const first = await deltaRound(`${graph}/me/calendarView/delta?${window}`);
		const moved = before[1];
		const cancelled = before[2];
		if (moved === undefined || cancelled === undefined) throw new Error("expected occurrences");
		expect((await patch(moved.id, { subject: "moved one" })).status).toBe(200);
		expect((await fetch(`${graph}/me/events/${cancelled.id}`, { method: "DELETE", headers: bearer(token) })).status).toBe(204);

		const res = await patch(master.id, { start: berlin("2026-03-02", "10:00:00"), end: berlin("2026-03-02", "11:00:00") });
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ id: master.id, type: "seriesMaster" });
		const after = await view();
		expect(after.map((e) => e.start.dateTime.slice(0, 16))).toEqual(["2026-03-02T09:00", "2026-03-04T09:00", "2026-03-09T09:00", "2026-03-11T09:00", "2026-03-16T09:00", "2026-03-18T09:00"]);
		expect(after.every((e) => e.type === "occurrence" && e.subject === "Standup")).toBe(true);
		const oldIds = new Set(before.map((e) => e.id));
		expect(after.some((e) => oldIds.has(e.id))).toBe(false);
		expect((await fetch(`${graph}/me/events/${before[0]?.id}`, { headers: bearer(token) })).status).toBe(404);

		const second = await deltaRound(first.deltaLink);
		const removed = second.items.filter((e) => e["@removed"] !== undefined).map((e) => e.id);
		expect(new Set(removed)).toEqual(oldIds);
		expect(second.items.filter((e) => e.type === "occurrence").map((e) => e.id).sort()).toEqual(after.map((e) => e.id).sort());
		expect(second.items.find((e) => e.id === master.id)).toMatchObject({ type: "seriesMaster" });
	});

	it("a new pattern regenerates the occurrences; the range must start on the start date", async () => {
		const master = await createSeries();
		const shifted = { ...weekly(3, ["monday"]), range: { type: "numbered", startDate: "2026-03-03", numberOfOccurrences: 3 } };
		expect((await patch(master.id, { recurrence: shifted })).status).toBe(400);
		const ok = await patch(master.id, { recurrence: weekly(3, ["monday"]) });
		expect(ok.status).toBe(200);
		expect((await view()).map((e) => e.start.dateTime.slice(0, 10))).toEqual(["2026-03-02", "2026-03-09", "2026-03-16"]);
	});

	it("a subject change keeps occurrence ids and exceptions", async () => {
		const master = await createSeries();
		const before = await view();
		expect((await patch(before[1]?.id ?? "", { subject: "special" })).status).toBe(200);
		expect((await patch(master.id, { subject: "Daily sync", recurrence: null })).status).toBe(200);
		const after = await view();
		expect(after.map((e) => e.id)).toEqual(before.map((e) => e.id));
		expect(after.map((e) => e.subject)).toEqual(["Daily sync", "special", "Daily sync", "Daily sync", "Daily sync", "Daily sync"]);
	});

	it("a recurrence on a single event makes it a series master with the same id", async () => {
		const single = (await (await postJson(`${graph}/me/events`, { subject: "Once", start: berlin("2026-03-02", "09:00:00"), end: berlin("2026-03-02", "09:30:00") }, bearer(token))).json()) as Ev;
		const res = await patch(single.id, { recurrence: weekly(2, ["monday"]) });
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ id: single.id, type: "seriesMaster" });
		const occurrences = await view();
		expect(occurrences.map((e) => [e.type, e.seriesMasterId, e.start.dateTime.slice(0, 10)])).toEqual([
			["occurrence", single.id, "2026-03-02"],
			["occurrence", single.id, "2026-03-09"],
		]);
	});
});

describe("Graph event input checks (docs/providers.md B1, B2)", () => {
	it("accepts only Graph's showAs values and at most 500 attendees", async () => {
		const base = { subject: "x", start: berlin("2026-03-02", "09:00:00"), end: berlin("2026-03-02", "10:00:00") };
		expect((await postJson(`${graph}/me/events`, { ...base, showAs: "away" }, bearer(token))).status).toBe(400);
		const ok = await postJson(`${graph}/me/events`, { ...base, showAs: "workingElsewhere" }, bearer(token));
		expect(ok.status).toBe(201);
		const { id } = (await ok.json()) as Ev;
		expect((await patch(id, { showAs: "BUSY!" })).status).toBe(400);
		const attendees = (n: number): unknown[] => Array.from({ length: n }, (_, i) => ({ emailAddress: { address: `a${i}@example.com` }, type: "required" }));
		expect((await postJson(`${graph}/me/events`, { ...base, attendees: attendees(501) }, bearer(token))).status).toBe(400);
		expect((await postJson(`${graph}/me/events`, { ...base, attendees: attendees(500) }, bearer(token))).status).toBe(201);
		expect((await patch(id, { attendees: attendees(501) })).status).toBe(400);
	});
});
