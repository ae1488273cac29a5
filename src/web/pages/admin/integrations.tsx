// /admin/integrations: every calendar connection of the business and of each staff member (staff see
// only their own), with status, last sync, each polled calendar's last check, last change and cadence,
// calendar pickers, resync, retry, disconnect, re-authorisation (OAuth consent again, or a new password
// for CalDAV/iCloud) and the sync log; Connect buttons for
// Google, Microsoft, Apple/CalDAV and ICS feeds, and Zoom (meeting links; no calendars) beside them.
// Credentials never reach the page: connections are shown through the API's own field-by-field view.
import type { Context } from "hono";
import { listStaff } from "../../../db/queries/admin-catalog";
import { calendarsOf, connectionsOf, logOf, pendingCount } from "../../../db/queries/connections";
import type { ConnectionRow } from "../../../db/queries/connections";
import type { AppEnv } from "../../context";
import { connectionView, logView } from "../../connections/view";
import type { ConnectionView } from "../../connections/view";
import { pollStatusOf } from "../../../sync/polling";
import { dateTimeText, everyText, providerName, secondsAgo, timeAgo } from "./format";
import { AdminLayout } from "./layout";
import { adminPageContext, isOwner } from "./page-context";

const STATUS_TEXT: Record<ConnectionView["status"], string> = { active: "Active", error: "Error", disconnected: "Disconnected" };

const CALLBACK_ERRORS: Record<string, string> = {
	"connect-expired": "The connection attempt expired or was started by someone else. Please try again.",
	"connect-provider": "The provider refused the connection. Please try again.",
	"connect-access_denied": "Access was not granted, so nothing was connected.",
	"business-calendar-exists": "The business already has a calendar. Disconnect it first to connect another one.",
	"zoom-exists": "Another Zoom account is connected here already. Disconnect it first to connect a different one.",
};

interface Owner {
	/** "business" or a staff id, as the connections API takes it. */
	key: string;
	title: string;
}

function connectHref(provider: "google" | "microsoft" | "zoom", owner: string, loginHint?: string): string {
	const params = new URLSearchParams({ staffId: owner });
	if (loginHint !== undefined) params.set("loginHint", loginHint);
	return `/admin/api/connect/${provider}?${params.toString()}`;
}

/** CalDAV/iCloud after the server refused the stored password: a new one, checked before it is kept. */
function PasswordForm(props: { view: ConnectionView; action: string }) {
	const v = props.view;
	const id = `${v.id}-password`;
	return (
		<form class="stack reauthorize" data-api={`/admin/api/connections/${v.id}/password`} data-method="PUT" data-done="reload">
			{v.provider === "icloud" ? (
				<p class="muted">
					An app-specific password stops working when your Apple ID password changes or when it is revoked. Make a new one at{" "}
					<a href="https://appleid.apple.com" target="_blank" rel="noopener">
						appleid.apple.com
					</a>{" "}
					→ Sign-In and Security → App-Specific Passwords and enter it here. Your calendars and bookings stay as they are.
				</p>
			) : (
				<p class="muted">Enter the password for {v.account}. Your calendars and bookings stay as they are.</p>
			)}
			<div class="field">
				<label for={id}>{v.provider === "icloud" ? "New app-specific password" : "Password"}</label>
				<input id={id} name="password" type="password" autocomplete="off" required />
			</div>
			<p class="form-error" role="alert"></p>
			<button type="submit" class="primary">
				{props.action}
			</button>
		</form>
	);
}

/** An instant as "12 seconds ago", with the date and time on hover. */
function Ago(props: { at: string; now: number; zone: string }) {
	return (
		<time datetime={props.at} title={dateTimeText(Date.parse(props.at), props.zone)}>
			{secondsAgo(Date.parse(props.at), props.now)}
		</time>
	);
}

/** Each polled calendar's last check, last change and cadence ("checks every 20 seconds"). */
function Polling(props: { view: ConnectionView; now: number; zone: string }) {
	const polled = props.view.calendars.filter((cal) => cal.polling !== null);
	if (polled.length === 0) return null;
	return (
		<ul class="polling muted" aria-label="How often Slotline checks these calendars for changes">
			{polled.map((cal) => {
				const p = cal.polling;
				if (p === null) return null;
				return (
					<li data-calendar={cal.id}>
						{cal.name}:{" "}
						{p.lastCheckedAt === null ? "not checked yet" : <>checked <Ago at={p.lastCheckedAt} now={props.now} zone={props.zone} /></>}
						{" · "}
						{p.lastChangedAt === null ? "no change seen yet" : <>last change <Ago at={p.lastChangedAt} now={props.now} zone={props.zone} /></>}
						{" · "}
						{p.paused
							? "checks paused until it can be read again"
							: p.everySeconds === 0
								? "first check due now"
								: `checks ${everyText(p.everySeconds)}${p.failing ? " (the last check failed; retrying)" : ""}`}
					</li>
				);
			})}
		</ul>
	);
}

function ConnectionCard(props: { view: ConnectionView; log: ReturnType<typeof logView>; now: number; zone: string; owner: string }) {
	const v = props.view;
	const oauth = v.provider === "google" || v.provider === "microsoft" || v.provider === "zoom";
	const zoom = v.provider === "zoom";
	const password = v.provider === "caldav" || v.provider === "icloud";
	const base = `/admin/api/connections/${v.id}`;
	const unavailable = v.calendars.filter((cal) => cal.unavailableSince !== null);
	return (
		<article class="connection" id={v.id} data-connection={v.id} aria-labelledby={`${v.id}-title`}>
			<header>
				<h4 id={`${v.id}-title`}>
					{providerName(v.provider)} · {v.account}
				</h4>
				<p class={`status status-${v.status}`}>
					<span class="dot" aria-hidden="true"></span>
					<span class="status-text">{STATUS_TEXT[v.status]}</span>
					{v.error === null ? null : <span class="status-message">{v.error.message}</span>}
				</p>
				{zoom ? (
					<p class="muted">Makes the Zoom meeting links of {props.owner === "business" ? "staff members without their own Zoom" : "this staff member's"} online bookings.</p>
				) : (
					<p class="muted">
						Last sync:{" "}
						{v.lastSyncedAt === null ? (
							"never"
						) : (
							<time datetime={v.lastSyncedAt} title={dateTimeText(Date.parse(v.lastSyncedAt), props.zone)}>
								{timeAgo(Date.parse(v.lastSyncedAt), props.now)}
							</time>
						)}
						{v.pendingPushes.waiting + v.pendingPushes.failed > 0 ? ` · ${v.pendingPushes.waiting} waiting, ${v.pendingPushes.failed} failed` : ""}
					</p>
				)}
				{v.status === "disconnected" ? null : <Polling view={v} now={props.now} zone={props.zone} />}
			</header>
			{v.status === "disconnected" ? (
				oauth ? (
					<p>
						<a class="button" href={connectHref(v.provider as "google" | "microsoft" | "zoom", props.owner, v.account)}>
							Reconnect
						</a>
					</p>
				) : password ? (
					<PasswordForm view={v} action="Reconnect" />
				) : null
			) : (
				<>
					{v.error?.kind === "reauthorize" && oauth ? (
						<p>
							<a class="button primary" href={connectHref(v.provider as "google" | "microsoft" | "zoom", props.owner, v.account)}>
								Re-authorize
							</a>
						</p>
					) : null}
					{v.error?.kind === "reauthorize" && password ? <PasswordForm view={v} action="Re-enter password" /> : null}
					{unavailable.length === 0 ? null : (
						<p class="banner error" role="status">
							{unavailable.map((cal) => cal.name).join(", ")} {unavailable.length === 1 ? "was" : "were"} deleted or unshared, so{" "}
							{unavailable.length === 1 ? "it no longer blocks" : "they no longer block"} time. Slotline keeps checking and picks{" "}
							{unavailable.length === 1 ? "it" : "them"} up again if {unavailable.length === 1 ? "it comes" : "they come"} back.
						</p>
					)}
					{v.calendars.length === 0 ? null : (
						<form class="calendars" data-api={`${base}/calendars`} data-method="PUT" data-shape="calendars" data-done="reload">
							<fieldset>
								<legend>Write bookings to</legend>
								<label class="check">
									<input type="radio" name="writeCalendarId" value="" checked={!v.calendars.some((cal) => cal.write)} /> Don't write bookings
								</label>
								{v.calendars
									.filter((cal) => cal.writable)
									.map((cal) => (
										<label class="check">
											<input type="radio" name="writeCalendarId" value={cal.id} checked={cal.write} /> {cal.name}
											{cal.meetingRefusal === null ? null : <span class="muted"> ({cal.meetingRefusal})</span>}
										</label>
									))}
							</fieldset>
							<fieldset>
								<legend>Check these calendars for conflicts</legend>
								{v.calendars.map((cal) => (
									<label class="check">
										<input
											type="checkbox"
											name="conflictCalendarIds"
											data-type="list"
											value={cal.id}
											checked={cal.checkConflicts && cal.readable}
											disabled={!cal.readable}
											aria-describedby={cal.readable ? undefined : `${v.id}-not-owned`}
										/>{" "}
										{cal.name}
										{cal.unavailableSince === null ? "" : " (unavailable)"}
									</label>
								))}
								{v.calendars.some((cal) => !cal.readable) ? (
									<p class="muted" id={`${v.id}-not-owned`}>
										Greyed-out calendars belong to someone else. Slotline only asks to read calendars this account owns, so it cannot check those for conflicts; connect
										the owner's account (or add the calendar's ICS feed) to block that time.
									</p>
								) : null}
							</fieldset>
							<p class="form-error" role="alert"></p>
							<button type="submit">Save calendars</button>
						</form>
					)}
					{zoom ? (
						<div class="actions">
							<form data-api={base} data-method="DELETE" data-done="reload" data-confirm={`Disconnect Zoom (${v.account})? Meetings already made stay in Zoom; new online bookings wait for a Zoom connection.`}>
								<button type="submit" class="danger">
									Disconnect
								</button>
							</form>
						</div>
					) : (
						<div class="actions">
							<form data-api={`${base}/resync`} data-method="POST" data-done="Resync started.">
								<button type="submit">Resync</button>
							</form>
							<form data-api={`${base}/refresh-calendars`} data-method="POST" data-done="reload">
								<button type="submit">Refresh calendar list</button>
							</form>
							{v.pendingPushes.failed + v.pendingPushes.waiting > 0 ? (
								<form data-api={`${base}/retry`} data-method="POST" data-done="reload">
									<button type="submit">{`Retry ${v.pendingPushes.failed + v.pendingPushes.waiting} unsent booking${v.pendingPushes.failed + v.pendingPushes.waiting === 1 ? "" : "s"}`}</button>
								</form>
							) : null}
							<form data-api={base} data-method="DELETE" data-done="reload" data-confirm={`Disconnect ${providerName(v.provider)} (${v.account})? Events already written stay in that calendar.`}>
								<button type="submit" class="danger">
									Disconnect
								</button>
							</form>
						</div>
					)}
				</>
			)}
			<details class="log">
				<summary>{zoom ? "Log" : "Sync log"}</summary>
				{props.log.length === 0 ? (
					<p class="muted">Nothing logged yet.</p>
				) : (
					<table>
						<thead>
							<tr>
								<th scope="col">When</th>
								<th scope="col">Operation</th>
								<th scope="col">Outcome</th>
								<th scope="col">Message</th>
							</tr>
						</thead>
						<tbody>
							{props.log.map((line) => (
								<tr class={`outcome-${line.outcome}`}>
									<td>
										<time datetime={line.at}>{dateTimeText(Date.parse(line.at), props.zone)}</time>
									</td>
									<td>{line.operation}</td>
									<td>{line.outcome}</td>
									<td>{line.message ?? ""}</td>
								</tr>
							))}
						</tbody>
					</table>
				)}
			</details>
		</article>
	);
}

/** How to get an app-specific password: Apple refuses the Apple ID password itself for CalDAV. */
function AppPasswordHelp(props: { id: string }) {
	return (
		<div class="muted" id={props.id}>
			<p>
				iCloud lets other apps use your calendar only with an <strong>app-specific password</strong>: a separate password for Slotline alone, never your Apple ID
				password. To make one:
			</p>
			<ol>
				<li>
					Sign in at{" "}
					<a href="https://appleid.apple.com" target="_blank" rel="noopener">
						appleid.apple.com
					</a>{" "}
					(your Apple ID needs two-factor authentication).
				</li>
				<li>Open Sign-In and Security → App-Specific Passwords, and create one named "Slotline".</li>
				<li>Copy the password it shows (like abcd-efgh-ijkl-mnop) and paste it below.</li>
			</ol>
			<p>You can revoke it there at any time; it also stops working when you change your Apple ID password.</p>
		</div>
	);
}

/** Zoom beside the calendars: it makes the meeting links of online bookings on Zoom. */
function ConnectZoom(props: { owner: Owner }) {
	return (
		<div class="connect">
			<h4>Connect Zoom</h4>
			<p class="muted">
				{props.owner.key === "business"
					? "The business's Zoom account hosts the meetings of staff members who have not connected their own."
					: "This Zoom account hosts this staff member's meetings for services that take place on Zoom."}
			</p>
			<p class="actions">
				<a class="button" href={connectHref("zoom", props.owner.key)}>
					Connect Zoom
				</a>
			</p>
		</div>
	);
}

function ConnectForms(props: { owner: Owner }) {
	const id = props.owner.key;
	return (
		<div class="connect">
			<h4>Connect a calendar</h4>
			<p class="actions">
				<a class="button" href={connectHref("google", id)}>
					Connect Google
				</a>
				<a class="button" href={connectHref("microsoft", id)}>
					Connect Microsoft
				</a>
			</p>
			<details>
				<summary>Connect Apple iCloud</summary>
				{/* No server address: the API starts from iCloud's own (ICLOUD_CALDAV_URL) and discovers the rest. */}
				<form class="stack" data-api="/admin/api/connections" data-method="POST" data-done="reload" data-extra={JSON.stringify({ staffId: id, provider: "icloud" })}>
					<AppPasswordHelp id={`icloud-help-${id}`} />
					<div class="field">
						<label for={`icloud-user-${id}`}>Apple ID (email)</label>
						<input id={`icloud-user-${id}`} name="username" type="email" autocomplete="off" required />
					</div>
					<div class="field">
						<label for={`icloud-password-${id}`}>App-specific password</label>
						<input id={`icloud-password-${id}`} name="password" type="password" autocomplete="off" required aria-describedby={`icloud-help-${id}`} />
					</div>
					<p class="form-error" role="alert"></p>
					<button type="submit" class="primary">
						Connect iCloud
					</button>
				</form>
			</details>
			<details>
				<summary>Connect another CalDAV server</summary>
				<form class="stack" data-api="/admin/api/connections" data-method="POST" data-done="reload" data-extra={JSON.stringify({ staffId: id, provider: "caldav" })}>
					<p class="muted" id={`caldav-help-${id}`}>
						Fastmail, Nextcloud, Synology and other calendar servers speak CalDAV. Enter the address your provider gives for CalDAV (the server, or your calendar
						home) and your sign-in; if your provider offers app passwords, use one.
					</p>
					<div class="field">
						<label for={`caldav-url-${id}`}>Server address</label>
						<input id={`caldav-url-${id}`} name="serverUrl" type="url" required placeholder="https://caldav.example.com/" aria-describedby={`caldav-help-${id}`} />
					</div>
					<div class="field">
						<label for={`caldav-user-${id}`}>User name</label>
						<input id={`caldav-user-${id}`} name="username" type="text" autocomplete="off" required />
					</div>
					<div class="field">
						<label for={`caldav-password-${id}`}>Password</label>
						<input id={`caldav-password-${id}`} name="password" type="password" autocomplete="off" required />
					</div>
					<p class="form-error" role="alert"></p>
					<button type="submit" class="primary">
						Connect calendar
					</button>
				</form>
			</details>
			<details>
				<summary>Add an ICS feed (read-only)</summary>
				<form class="stack" data-api="/admin/api/connections" data-method="POST" data-done="reload" data-extra={JSON.stringify({ staffId: id, provider: "ics" })}>
					<p class="muted" id={`ics-help-${id}`}>
						The calendar's private address in iCal format (Google: Settings → Integrate calendar → Secret address in iCal format; Outlook: Publish a calendar → ICS).
						Slotline reads it every few minutes to block that time and never writes to it; the address is stored encrypted and shown only shortened.
					</p>
					<div class="field">
						<label for={`ics-url-${id}`}>Feed URL</label>
						<input id={`ics-url-${id}`} name="serverUrl" type="url" required placeholder="https://…/calendar.ics" aria-describedby={`ics-help-${id}`} />
					</div>
					<p class="form-error" role="alert"></p>
					<button type="submit" class="primary">
						Add feed
					</button>
				</form>
			</details>
		</div>
	);
}

export async function integrationsPage(c: Context<AppEnv>): Promise<Response> {
	const page = await adminPageContext(c);
	const owner = isOwner(page);
	const db = c.var.db;
	const [rows, members] = await Promise.all([
		connectionsOf(db, page.merchant.id, owner ? undefined : page.membership.staffId),
		listStaff(db, page.merchant.id),
	]);
	const cards = await Promise.all(
		rows.map(async (row: ConnectionRow) => {
			const calendars = await calendarsOf(db, row.id);
			return {
				row,
				view: connectionView(row, calendars, await pendingCount(db, row.id), await pollStatusOf(c.env, row, calendars)),
				log: logView(await logOf(db, row.id)),
			};
		}),
	);
	const owners: Owner[] = owner
		? [{ key: "business", title: "The business" }, ...members.filter((m) => m.active).map((m) => ({ key: m.id, title: m.name }))]
		: members.filter((m) => m.id === page.membership.staffId).map((m) => ({ key: m.id, title: `${m.name} (you)` }));
	const connected = c.req.query("connected");
	const error = c.req.query("error");
	return c.html(
		<AdminLayout title="Integrations" section="integrations" viewer={page.viewer} config={{ page: "integrations", csrfToken: page.csrfToken }}>
			<h1>Integrations</h1>
			{connected === undefined ? null : (
				<p class="banner ok" role="status">
					{cards.some((card) => card.row.id === connected && card.row.provider === "zoom")
						? "Zoom connected. Online bookings on Zoom get their meeting links from this account."
						: "Calendar connected. Bookings now go to its write calendar."}
				</p>
			)}
			{error === undefined ? null : (
				<p class="banner error" role="alert">
					{CALLBACK_ERRORS[error] ?? "The calendar could not be connected. Please try again."}
				</p>
			)}
			{owners.length === 0 ? <p class="muted">Your account is not linked to a staff member, so there is nothing to connect here.</p> : null}
			{owners.map((o) => {
				const mine = cards.filter((card) => (card.row.staffId ?? "business") === o.key);
				return (
					<section class="card owner" aria-labelledby={`owner-${o.key}`} data-owner={o.key}>
						<h2 id={`owner-${o.key}`}>{o.title}</h2>
						{mine.every((card) => card.row.provider === "zoom") ? <p class="muted">No calendars connected.</p> : null}
						{mine.map((card) => (
							<ConnectionCard view={card.view} log={card.log} now={page.now} zone={page.merchant.timezone} owner={o.key} />
						))}
						{o.key === "business" && mine.some((card) => card.row.status !== "disconnected" && card.row.provider !== "zoom") ? (
							<p class="muted">The business has one calendar for everyone; disconnect it to connect a different one.</p>
						) : (
							<ConnectForms owner={o} />
						)}
						{mine.some((card) => card.row.status !== "disconnected" && card.row.provider === "zoom") ? null : <ConnectZoom owner={o} />}
					</section>
				);
			})}
		</AdminLayout>,
	);
}
