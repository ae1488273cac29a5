// Human page per provider (GET /google/, /microsoft/): see sandbox calendars, add and delete events.
// It calls the same CalendarPort as the control API, so push notifications fire exactly as for tests.
import { Hono } from "hono";
import type { CalendarPort } from "../calendar-port";
import { SandboxHttpError } from "../http-error";
import { escapeHtml, layout } from "./html";

function renderPage(title: string, basePath: string, port: CalendarPort, message: string | undefined): string {
	const calendars = port.listCalendars();
	const sections = calendars
		.map((calendar) => {
			const rows = port
				.eventRows(calendar.id)
				.map(
					(e) =>
						`<tr><td>${escapeHtml(e.summary)}${e.recurring ? " (recurring)" : ""}</td><td>${escapeHtml(e.start)}</td><td>${escapeHtml(e.end)}</td>` +
						`<td>${escapeHtml(e.status)}</td><td><code>${escapeHtml(e.id)}</code></td><td><form class="inline" method="post" action="${basePath}/_page/delete">` +
						`<input type="hidden" name="calendarId" value="${escapeHtml(calendar.id)}"><input type="hidden" name="eventId" value="${escapeHtml(e.id)}">` +
						`<button type="submit">Delete</button></form></td></tr>`,
				)
				.join("");
			return `<h2>${escapeHtml(calendar.name)}</h2><p>Owner ${escapeHtml(calendar.owner)} · id <code>${escapeHtml(calendar.id)}</code></p>
<table><thead><tr><th>Summary</th><th>Start</th><th>End</th><th>Status</th><th>Id</th><th></th></tr></thead><tbody>${rows}</tbody></table>
<form method="post" action="${basePath}/_page/add"><input type="hidden" name="calendarId" value="${escapeHtml(calendar.id)}">
<input name="summary" placeholder="Summary" required> <input type="datetime-local" name="start" required> <input type="datetime-local" name="end" required>
<input name="timeZone" value="UTC" size="16"> <button type="submit">Add event</button></form>`;
		})
		.join("");
	const notice = message === undefined ? "" : `<p><strong>${escapeHtml(message)}</strong></p>`;
	const empty = calendars.length === 0 ? "<p>No calendars yet. Create one with POST /_control/calendars or sign in once.</p>" : "";
	return layout(`${title} sandbox calendars`, `<p><a href="/">← Sandbox</a></p><h1>${escapeHtml(title)} calendars</h1>${notice}${empty}${sections}`);
}

export function calendarPageRoutes(title: string, basePath: string, port: () => CalendarPort | null): Hono {
	const app = new Hono();
	function requirePort(): CalendarPort {
		const found = port();
		if (found === null) throw new SandboxHttpError(404, "This provider has no calendars in the sandbox yet.");
		return found;
	}
	app.get("/", (c) => c.html(renderPage(title, basePath, requirePort(), c.req.query("message"))));
	app.post("/_page/add", async (c) => {
		const form = new URLSearchParams(await c.req.text());
		const withSeconds = (v: string): string => (v.length === 16 ? `${v}:00` : v);
		let message = "Event added.";
		try {
			requirePort().createEvent(form.get("calendarId") ?? "", {
				summary: form.get("summary") ?? "",
				start: withSeconds(form.get("start") ?? ""),
				end: withSeconds(form.get("end") ?? ""),
				timeZone: form.get("timeZone") || "UTC",
			});
		} catch (error) {
			message = error instanceof SandboxHttpError ? `Not added: ${JSON.stringify(error.body)}` : "Not added.";
		}
		return c.redirect(`${basePath}/?message=${encodeURIComponent(message)}`, 303);
	});
	app.post("/_page/delete", async (c) => {
		const form = new URLSearchParams(await c.req.text());
		requirePort().deleteEvent(form.get("calendarId") ?? "", form.get("eventId") ?? "");
		return c.redirect(`${basePath}/?message=${encodeURIComponent("Event deleted.")}`, 303);
	});
	return app;
}
