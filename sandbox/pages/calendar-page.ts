// Human page per provider (GET /google/, /microsoft/): see sandbox calendars; add (timed, all-day, repeating, free),
// edit, cancel one occurrence of, and delete events. It calls the same CalendarPort as the control API, so push
// notifications fire exactly as for tests.
import { Hono } from "hono";
import type { Context } from "hono";
import type { CalendarPort, ControlEventChange, ControlEventInput, EventRow } from "../calendar-port";
import { SandboxHttpError } from "../http-error";
import { escapeHtml, layout } from "./html";

const REPEATS = ["DAILY", "WEEKLY"] as const;

/** The human sentence inside a provider error (Google's and Graph's error.message, the control API's error). */
function errorText(error: unknown): string {
	if (!(error instanceof SandboxHttpError)) return error instanceof Error ? error.message : "Something went wrong.";
	const body = error.body as { error?: unknown; issues?: Array<{ path?: unknown[]; message?: string }> } | string | null;
	if (typeof body === "string") return body;
	const inner = body?.error;
	if (typeof inner === "string") return inner;
	if (typeof inner === "object" && inner !== null && typeof (inner as { message?: unknown }).message === "string") return (inner as { message: string }).message;
	const issue = body?.issues?.[0];
	if (issue !== undefined) return `${(issue.path ?? []).join(".")}: ${issue.message ?? "invalid"}`;
	return `The provider answered ${error.status}.`;
}

function hidden(name: string, value: string): string {
	return `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
}

/** A row's time as the editor's datetime-local value (or date for all-day), when it can be read back. */
function editable(value: string): string {
	const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}))?/.exec(value);
	if (m === null) return "";
	return m[2] === undefined ? (m[1] ?? "") : `${m[1]}T${m[2]}`;
}

function renderRow(basePath: string, calendarId: string, e: EventRow): string {
	const ids = hidden("calendarId", calendarId) + hidden("eventId", e.id);
	const allDay = !e.start.includes("T");
	const timeType = allDay ? "date" : "datetime-local";
	const status = `${escapeHtml(e.status)}${e.free ? " · free" : ""}`;
	const cancelOne = e.recurring
		? `<form class="inline" method="post" action="${basePath}/_page/cancel-occurrence">${ids}<label>Cancel the one on <input type="date" name="date" required></label> <button type="submit">Cancel occurrence</button></form>`
		: "";
	return (
		`<tr><td>${escapeHtml(e.summary)}${e.recurring ? " (repeats)" : ""}</td><td>${escapeHtml(e.start)}</td><td>${escapeHtml(e.end)}</td><td>${status}</td>` +
		`<td><code>${escapeHtml(e.id)}</code></td><td>` +
		`<details><summary>Edit</summary><form method="post" action="${basePath}/_page/edit">${ids}${allDay ? hidden("allDay", "on") : ""}` +
		`<input name="summary" value="${escapeHtml(e.summary)}" aria-label="Summary"> <input type="${timeType}" name="start" value="${escapeHtml(editable(e.start))}" aria-label="Start"> ` +
		`<input type="${timeType}" name="end" value="${escapeHtml(editable(e.end))}" aria-label="End"> ${allDay ? "" : '<input name="timeZone" placeholder="time zone (kept if empty)" size="18">'} ` +
		`<button type="submit">Save</button></form></details>${cancelOne}` +
		`<form class="inline" method="post" action="${basePath}/_page/delete">${ids}<button type="submit">Delete${e.recurring ? " series" : ""}</button></form></td></tr>`
	);
}

function renderPage(title: string, basePath: string, port: CalendarPort, notice: { message?: string; error?: string }): string {
	const calendars = port.listCalendars();
	const sections = calendars
		.map((calendar) => {
			const rows = port.eventRows(calendar.id).map((e) => renderRow(basePath, calendar.id, e)).join("");
			return `<h2>${escapeHtml(calendar.name)}</h2><p>Owner ${escapeHtml(calendar.owner)} · id <code>${escapeHtml(calendar.id)}</code></p>
<table><thead><tr><th>Summary</th><th>Start</th><th>End</th><th>Status</th><th>Id</th><th></th></tr></thead><tbody>${rows}</tbody></table>
<form method="post" action="${basePath}/_page/add">${hidden("calendarId", calendar.id)}
<input name="summary" placeholder="Summary" required aria-label="Summary"> <input type="datetime-local" name="start" required aria-label="Start">
<input type="datetime-local" name="end" required aria-label="End"> <input name="timeZone" value="UTC" size="16" aria-label="Time zone">
<label><input type="checkbox" name="allDay"> all day (dates of start and end; end is exclusive)</label>
<label><input type="checkbox" name="free"> shows as free</label>
<label>repeats <select name="repeat"><option value="">never</option><option value="DAILY">daily</option><option value="WEEKLY">weekly</option></select></label>
<label>times <input type="number" name="count" min="1" max="730" value="5" size="4"></label>
<button type="submit">Add event</button></form>`;
		})
		.join("");
	const banner =
		(notice.message === undefined ? "" : `<p class="notice" role="status"><strong>${escapeHtml(notice.message)}</strong></p>`) +
		(notice.error === undefined ? "" : `<p class="error" role="alert"><strong>That did not work:</strong> ${escapeHtml(notice.error)}</p>`);
	const empty = calendars.length === 0 ? "<p>No calendars yet. Create one with POST /_control/calendars or sign in once.</p>" : "";
	return layout(`${title} sandbox calendars`, `<p><a href="/">← Sandbox</a></p><h1>${escapeHtml(title)} calendars</h1>${banner}${empty}${sections}`);
}

/** datetime-local gives minutes only; the control API wants seconds. */
function withSeconds(value: string): string {
	return value.length === 16 ? `${value}:00` : value;
}

export function calendarPageRoutes(title: string, basePath: string, port: () => CalendarPort | null): Hono {
	const app = new Hono();
	function requirePort(): CalendarPort {
		const found = port();
		if (found === null) throw new SandboxHttpError(404, "This provider has no calendars in the sandbox yet.");
		return found;
	}
	/** Runs a page action and comes back to the page with what happened, never a raw error body. */
	async function act(c: Context, done: string, action: (form: URLSearchParams, calendars: CalendarPort) => void): Promise<Response> {
		const form = new URLSearchParams(await c.req.text());
		try {
			action(form, requirePort());
			return c.redirect(`${basePath}/?message=${encodeURIComponent(done)}`, 303);
		} catch (error) {
			return c.redirect(`${basePath}/?error=${encodeURIComponent(errorText(error))}`, 303);
		}
	}

	app.get("/", (c) => c.html(renderPage(title, basePath, requirePort(), { message: c.req.query("message"), error: c.req.query("error") })));

	app.post("/_page/add", (c) =>
		act(c, "Event added.", (form, calendars) => {
			const allDay = form.get("allDay") === "on";
			const start = form.get("start") ?? "";
			const end = form.get("end") ?? "";
			const input: ControlEventInput = {
				summary: form.get("summary") ?? "",
				start: allDay ? start.slice(0, 10) : withSeconds(start),
				end: allDay ? end.slice(0, 10) : withSeconds(end),
				timeZone: form.get("timeZone") || "UTC",
			};
			if (allDay) input.allDay = true;
			if (form.get("free") === "on") input.transparency = "transparent";
			const repeat = form.get("repeat") ?? "";
			if ((REPEATS as readonly string[]).includes(repeat)) {
				const count = Number(form.get("count") ?? "");
				if (!Number.isInteger(count) || count < 1) throw new SandboxHttpError(400, { error: "How many times should it repeat? Give a whole number from 1." });
				input.recurrence = [`RRULE:FREQ=${repeat};COUNT=${count}`];
			}
			calendars.createEvent(form.get("calendarId") ?? "", input);
		}),
	);

	app.post("/_page/edit", (c) =>
		act(c, "Event saved.", (form, calendars) => {
			const allDay = form.get("allDay") === "on";
			const change: ControlEventChange = {};
			const summary = form.get("summary");
			if (summary !== null) change.summary = summary;
			const start = form.get("start") ?? "";
			const end = form.get("end") ?? "";
			if (start !== "") change.start = allDay ? start.slice(0, 10) : withSeconds(start);
			if (end !== "") change.end = allDay ? end.slice(0, 10) : withSeconds(end);
			if (allDay) change.allDay = true;
			const zone = form.get("timeZone");
			if (zone !== null && zone !== "") change.timeZone = zone;
			calendars.updateEvent(form.get("calendarId") ?? "", form.get("eventId") ?? "", change);
		}),
	);

	app.post("/_page/cancel-occurrence", (c) =>
		act(c, "Occurrence cancelled.", (form, calendars) => {
			calendars.cancelOccurrence(form.get("calendarId") ?? "", form.get("eventId") ?? "", form.get("date") ?? "");
		}),
	);

	app.post("/_page/delete", (c) =>
		act(c, "Event deleted.", (form, calendars) => {
			calendars.deleteEvent(form.get("calendarId") ?? "", form.get("eventId") ?? "");
		}),
	);
	return app;
}
