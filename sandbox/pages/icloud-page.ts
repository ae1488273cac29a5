// Human page for the iCloud stand-in (GET /caldav/): its accounts with the URLs a person types into the app, a form
// to add one, and the events in each account's Home calendar as Radicale holds them. (/icloud/ itself is the
// CalDAV root, which answers a browser's GET with 400 as iCloud does.)
import { Hono } from "hono";
import { calendarHomeUrl, principalPath } from "../caldav/icloud";
import { homeEvents } from "../caldav/home-events";
import type { ICloudAccount } from "../caldav/icloud-accounts";
import type { SandboxState } from "../state";
import { escapeHtml, layout } from "./html";

export function icloudPageRoutes(state: SandboxState): Hono {
	const app = new Hono();
	app.get("/", async (c) => {
		const upstream = state.caldav;
		if (upstream === undefined) return c.html(layout("iCloud sandbox", "<p><a href=\"/\">← Sandbox</a></p><h1>iCloud</h1><p>No CalDAV upstream: radicale is not running, so the iCloud stand-in is off.</p>"), 503);
		const sections: string[] = [];
		for (const account of state.icloud.list()) {
			const events = await homeEvents(upstream, account);
			const rows = events.map((e) => `<tr><td>${escapeHtml(e.summary)}</td><td><code>${escapeHtml(e.start)}</code></td><td><code>${escapeHtml(e.rule)}</code></td></tr>`).join("");
			sections.push(
				`<h2>${escapeHtml(account.appleId)}</h2><p>DSID ${escapeHtml(account.dsid)} · server <code>${escapeHtml(`${state.publicUrl}/icloud`)}</code> · ` +
					`principal <code>${escapeHtml(`${state.publicUrl}${principalPath(account)}`)}</code> · home <code>${escapeHtml(calendarHomeUrl(state, account))}</code></p>` +
					`<h3>Home</h3><table><thead><tr><th>Summary</th><th>DTSTART</th><th>RRULE</th></tr></thead><tbody>${rows}</tbody></table>`,
			);
		}
		const notice = c.req.query("message");
		return c.html(
			layout(
				"iCloud sandbox accounts",
				`<p><a href="/">← Sandbox</a></p><h1>iCloud accounts</h1>` +
					(notice === undefined ? "" : `<p class="notice" role="status"><strong>${escapeHtml(notice)}</strong></p>`) +
					`<p>Connect one in the app with its Apple ID, its app-specific password and the server <code>${escapeHtml(`${state.publicUrl}/icloud`)}</code>.</p>` +
					`<form method="post" action="/caldav/_page/add"><input type="email" name="appleId" placeholder="Apple ID" required aria-label="Apple ID"> ` +
					`<input name="appPassword" placeholder="app-specific password" required aria-label="App-specific password"> <button type="submit">Add account (or replace its password)</button></form>` +
					(sections.length === 0 ? "<p>No accounts yet.</p>" : sections.join("")),
			),
		);
	});
	app.post("/_page/add", async (c) => {
		const form = new URLSearchParams(await c.req.text());
		const appleId = form.get("appleId") ?? "";
		const appPassword = form.get("appPassword") ?? "";
		if (state.caldav === undefined || !appleId.includes("@") || appPassword === "") {
			return c.redirect(`/caldav/?message=${encodeURIComponent("Give an Apple ID and an app-specific password (and run radicale).")}`, 303);
		}
		const { created } = await state.icloud.upsert(appleId, appPassword, state.caldav);
		return c.redirect(`/caldav/?message=${encodeURIComponent(created ? "Account added." : "App-specific password replaced.")}`, 303);
	});
	return app;
}
