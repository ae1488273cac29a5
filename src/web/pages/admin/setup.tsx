// /admin/setup (owners): services, staff with invitations, weekly hours and breaks, date overrides and
// time off, rooms and the business settings. Server-rendered forms; the island sends each one as JSON
// to the Admin API and shows its field errors.
import type { Context } from "hono";
import { and, eq, isNotNull } from "drizzle-orm";
import { listResources, listServices, listStaff } from "../../../db/queries/admin-catalog";
import type { ServiceRecord, StaffRecord } from "../../../db/queries/admin-catalog";
import { merchantSchedules } from "../../../db/queries/admin-schedule";
import type { DateOverrideRow, TimeOffRow, WorkingHoursRow } from "../../../db/queries/admin-schedule";
import { businessSettings } from "../../../db/queries/admin-settings";
import { memberships } from "../../../db/schema";
import { placeOf } from "../../../place";
import type { Place, PlaceKind } from "../../../place";
import { addDays, localDate } from "../../../time";
import { currentZoneNames } from "../../../time-zone-names";
import type { AppEnv } from "../../context";
import { dateTimeText } from "./format";
import { AdminLayout } from "./layout";
import { adminPageContext, isOwner } from "./page-context";

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const AHEAD_DAYS = 365;

function intervalsText(intervals: Array<{ start: string; end: string }>): string {
	return intervals.map((i) => `${i.start}-${i.end}`).join(", ");
}

const PLACE_CHOICES: Array<[PlaceKind, string]> = [
	["in_person_business", "In person, at the business address"],
	["in_person_address", "In person, at another address"],
	["phone_customer_calls", "By phone: the customer calls"],
	["phone_staff_calls", "By phone: we call the customer"],
	["google_meet", "Online: Google Meet"],
	["microsoft_teams", "Online: Microsoft Teams"],
	["zoom", "Online: Zoom"],
	["fixed_link", "Online: a link of your own"],
];

/** The kind selector and each kind's field; the island shows (and sends) only the chosen kind's field. */
function PlaceFields(props: { place: Place | null; prefix: string; legend: string; unset: string | null }) {
	const p = `${props.prefix}-place`;
	const kind = props.place?.kind ?? "";
	const field = (name: "address" | "phone" | "url", forKind: PlaceKind, label: string, type: string, value: string) => (
		<div class="field" data-place-kinds={forKind} hidden={kind !== forKind}>
			<label for={`${p}-${name}`}>{label}</label>
			<input id={`${p}-${name}`} name={`place.${name}`} type={type} value={value} disabled={kind !== forKind} />
		</div>
	);
	return (
		<fieldset class="place" data-place>
			<legend>{props.legend}</legend>
			<div class="grid-fields">
				<div class="field">
					<label for={`${p}-kind`}>Takes place</label>
					<select id={`${p}-kind`} name="place.kind" data-type="nullable">
						{props.unset === null ? null : (
							<option value="" selected={kind === ""}>
								{props.unset}
							</option>
						)}
						{PLACE_CHOICES.map(([value, label]) => (
							<option value={value} selected={kind === value}>
								{label}
							</option>
						))}
					</select>
				</div>
				{field("address", "in_person_address", "Address", "text", props.place?.kind === "in_person_address" ? props.place.address : "")}
				{field("phone", "phone_customer_calls", "Number the customer calls", "tel", props.place?.kind === "phone_customer_calls" ? props.place.phone : "")}
				{field("url", "fixed_link", "Meeting link (https://…)", "url", props.place?.kind === "fixed_link" ? props.place.url : "")}
			</div>
		</fieldset>
	);
}

function ServiceFields(props: { service?: ServiceRecord; staff: StaffRecord[]; prefix: string }) {
	const s = props.service;
	const p = props.prefix;
	const num = (name: string, label: string, value: number | undefined, min: number) => (
		<div class="field">
			<label for={`${p}-${name}`}>{label}</label>
			<input id={`${p}-${name}`} name={name} type="number" data-type="number" min={min} value={value === undefined ? "" : String(value)} required />
		</div>
	);
	return (
		<>
			<div class="grid-fields">
				<div class="field">
					<label for={`${p}-name`}>Name</label>
					<input id={`${p}-name`} name="name" type="text" value={s?.name ?? ""} required />
				</div>
				{num("durationMinutes", "Duration (minutes)", s?.durationMinutes ?? 30, 5)}
				<div class="field">
					<label for={`${p}-color`}>Colour</label>
					<input id={`${p}-color`} name="color" type="color" value={s?.color ?? "#4f46e5"} />
				</div>
				<div class="field">
					<label for={`${p}-price`}>Price (EUR, optional)</label>
					<input id={`${p}-price`} name="price" type="text" inputmode="decimal" data-type="money" value={s?.priceCents === null || s?.priceCents === undefined ? "" : (s.priceCents / 100).toFixed(2)} />
				</div>
				{num("bufferBeforeMinutes", "Buffer before (min)", s?.bufferBeforeMinutes ?? 0, 0)}
				{num("bufferAfterMinutes", "Buffer after (min)", s?.bufferAfterMinutes ?? 0, 0)}
				{num("minNoticeMinutes", "Minimum notice (min)", s?.minNoticeMinutes ?? 0, 0)}
				{num("horizonDays", "Bookable up to (days ahead)", s?.horizonDays ?? 60, 1)}
				{num("slotIntervalMinutes", "Start times every (min)", s?.slotIntervalMinutes ?? 15, 5)}
				<div class="field">
					<label for={`${p}-resource`}>Needs a room of type (optional)</label>
					<input id={`${p}-resource`} name="requiredResourceType" type="text" data-type="nullable" value={s?.requiredResourceType ?? ""} />
				</div>
			</div>
			<PlaceFields place={s === undefined ? { kind: "in_person_business" } : placeOf(s)} prefix={p} legend="Where" unset={null} />
			<fieldset>
				<legend>Offered by</legend>
				{props.staff
					.filter((m) => m.active)
					.map((m) => (
						<label class="check">
							<input type="checkbox" name="staffIds" data-type="list" value={m.id} checked={s?.staffIds.includes(m.id) ?? true} /> {m.name}
						</label>
					))}
			</fieldset>
		</>
	);
}

function StaffFields(props: { member?: StaffRecord; services: ServiceRecord[]; prefix: string; zone: string }) {
	const m = props.member;
	const p = props.prefix;
	return (
		<>
			<div class="grid-fields">
				<div class="field">
					<label for={`${p}-name`}>Name</label>
					<input id={`${p}-name`} name="name" type="text" value={m?.name ?? ""} required />
				</div>
				<div class="field">
					<label for={`${p}-email`}>Email</label>
					<input id={`${p}-email`} name="email" type="email" value={m?.email ?? ""} required />
				</div>
				<div class="field">
					<label for={`${p}-addresses`}>Other calendar addresses</label>
					<input id={`${p}-addresses`} name="calendarAddresses" type="text" data-type="addresses" value={m?.calendarAddresses.join(", ") ?? ""} aria-describedby={`${p}-addresses-hint`} />
					<small id={`${p}-addresses-hint`} class="muted">
						Addresses invitations reach them at besides their email, comma-separated: events they decline there do not block time.
					</small>
				</div>
				<div class="field">
					<label for={`${p}-tz`}>Time zone</label>
					<input id={`${p}-tz`} name="timezone" type="text" list="time-zones" value={m?.timezone ?? props.zone} required />
				</div>
				<div class="field">
					<label for={`${p}-color`}>Colour</label>
					<input id={`${p}-color`} name="color" type="color" value={m?.color ?? "#0284c7"} />
				</div>
			</div>
			<PlaceFields place={m === undefined ? null : placeOf(m)} prefix={p} legend="Works elsewhere (for all their services)" unset="Where each service takes place" />
			<fieldset>
				<legend>Offers</legend>
				{props.services
					.filter((s) => s.active)
					.map((s) => (
						<label class="check">
							<input type="checkbox" name="serviceIds" data-type="list" value={s.id} checked={m?.serviceIds.includes(s.id) ?? false} /> {s.name}
						</label>
					))}
			</fieldset>
		</>
	);
}

function Schedule(props: { member: StaffRecord; hours: WorkingHoursRow[]; overrides: DateOverrideRow[]; timeOff: TimeOffRow[]; zone: string }) {
	const m = props.member;
	const api = `/admin/api/staff/${m.id}`;
	return (
		<details class="schedule">
			<summary>Hours, days off and time off</summary>
			<form class="stack" data-api={`${api}/hours`} data-method="PUT" data-shape="hours" data-done="Working hours saved.">
				<h4>Weekly hours</h4>
				<p class="muted">In {m.timezone.replaceAll("_", " ")}. Several ranges make breaks, e.g. "09:00-12:00, 13:00-17:00"; leave a day empty when closed.</p>
				{WEEKDAYS.map((day, i) => (
					<div class="field row">
						<label for={`${m.id}-day${i + 1}`}>{day}</label>
						<input
							id={`${m.id}-day${i + 1}`}
							name={`day${i + 1}`}
							type="text"
							value={intervalsText(props.hours.filter((h) => h.weekday === i + 1).map((h) => ({ start: h.startTime, end: h.endTime })))}
						/>
					</div>
				))}
				<p class="form-error" role="alert"></p>
				<button type="submit">Save hours</button>
			</form>
			<h4>Date overrides</h4>
			{props.overrides.length === 0 ? <p class="muted">None coming up.</p> : null}
			<ul class="plain">
				{props.overrides.map((o) => (
					<li>
						{o.date}: {o.intervals.length === 0 ? "closed" : intervalsText(o.intervals)}
						<form class="inline" data-api={`${api}/overrides/${o.date}`} data-method="DELETE" data-done="reload">
							<button type="submit" class="ghost" aria-label={`Remove the override on ${o.date}`}>
								Remove
							</button>
						</form>
					</li>
				))}
			</ul>
			<form class="inline-form" data-api={`${api}/overrides/{date}`} data-method="PUT" data-shape="override" data-done="reload">
				<div class="field">
					<label for={`${m.id}-ov-date`}>Date</label>
					<input id={`${m.id}-ov-date`} name="date" type="date" required />
				</div>
				<label class="check">
					<input type="checkbox" name="closed" data-type="bool" /> Closed all day
				</label>
				<div class="field">
					<label for={`${m.id}-ov-hours`}>Or these hours</label>
					<input id={`${m.id}-ov-hours`} name="intervals" type="text" placeholder="10:00-14:00" />
				</div>
				<p class="form-error" role="alert"></p>
				<button type="submit">Add override</button>
			</form>
			<h4>Time off</h4>
			{props.timeOff.length === 0 ? <p class="muted">None coming up.</p> : null}
			<ul class="plain">
				{props.timeOff.map((t) => (
					<li>
						{dateTimeText(t.startsAt, props.zone)} – {dateTimeText(t.endsAt, props.zone)}
						{t.reason === null ? "" : ` (${t.reason})`}
						<form class="inline" data-api={`${api}/time-off/${t.id}`} data-method="DELETE" data-done="reload">
							<button type="submit" class="ghost" aria-label="Remove this time off">
								Remove
							</button>
						</form>
					</li>
				))}
			</ul>
			<form class="inline-form" data-api={`${api}/time-off`} data-method="POST" data-done="reload">
				<div class="field">
					<label for={`${m.id}-off-start`}>{`From (${props.zone.replaceAll("_", " ")})`}</label>
					<input id={`${m.id}-off-start`} name="start" type="datetime-local" data-type="local-datetime" required />
				</div>
				<div class="field">
					<label for={`${m.id}-off-end`}>{`Until (${props.zone.replaceAll("_", " ")})`}</label>
					<input id={`${m.id}-off-end`} name="end" type="datetime-local" data-type="local-datetime" required />
				</div>
				<div class="field">
					<label for={`${m.id}-off-reason`}>Reason (optional)</label>
					<input id={`${m.id}-off-reason`} name="reason" type="text" data-type="nullable" />
				</div>
				<p class="form-error" role="alert"></p>
				<button type="submit">Add time off</button>
			</form>
		</details>
	);
}

export async function setupPage(c: Context<AppEnv>): Promise<Response> {
	const page = await adminPageContext(c);
	if (!isOwner(page)) {
		return c.html(
			<AdminLayout title="Setup" section="setup" viewer={page.viewer} config={{ page: "none" }}>
				<h1>Setup</h1>
				<p>Only the business owner can change services, staff, hours and settings.</p>
			</AdminLayout>,
			403,
		);
	}
	const db = c.var.db;
	const zone = page.merchant.timezone;
	const today = localDate(page.now, zone);
	const [services, members, rooms, settings, linked, schedules] = await Promise.all([
		listServices(db, page.merchant.id),
		listStaff(db, page.merchant.id),
		listResources(db, page.merchant.id),
		businessSettings(db, page.merchant.id),
		db.select({ staffId: memberships.staffId }).from(memberships).where(and(eq(memberships.merchantId, page.merchant.id), isNotNull(memberships.staffId))),
		merchantSchedules(db, page.merchant.id, { from: today, to: addDays(today, AHEAD_DAYS) }, { from: page.now, to: page.now + AHEAD_DAYS * 86_400_000 }),
	]);
	const hasAccount = new Set(linked.map((l) => l.staffId));
	const zones = currentZoneNames(typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [zone]);
	return c.html(
		<AdminLayout title="Setup" section="setup" viewer={page.viewer} config={{ page: "setup", csrfToken: page.csrfToken, timezone: zone }}>
			<h1>Setup</h1>
			<nav aria-label="Setup sections" class="subnav">
				<a href="#services">Services</a> <a href="#staff">Staff</a> <a href="#rooms">Rooms</a> <a href="#business">Business</a>
			</nav>
			<datalist id="time-zones">
				{zones.map((z) => (
					<option value={z}></option>
				))}
			</datalist>

			<section id="services" class="card" aria-labelledby="services-heading">
				<h2 id="services-heading">Services</h2>
				<ul class="entity-list" id="service-list">
					{services.map((s) => (
						<li class={s.active ? "" : "inactive"} data-service={s.id}>
							<span class="swatch" data-color={s.color} aria-hidden="true"></span>
							<strong>{s.name}</strong> <span class="muted">{`${s.durationMinutes} min${s.active ? "" : " · inactive"}`}</span>
							<details>
								<summary>Edit</summary>
								<form class="stack" data-api={`/admin/api/services/${s.id}`} data-method="PATCH" data-done="reload">
									<ServiceFields service={s} staff={members} prefix={s.id} />
									<p class="form-error" role="alert"></p>
									<button type="submit" class="primary">
										Save
									</button>
								</form>
							</details>
							{s.active ? (
								<form class="inline" data-api={`/admin/api/services/${s.id}`} data-method="DELETE" data-done="reload" data-confirm={`Stop offering ${s.name}? Existing bookings stay.`}>
									<button type="submit" class="ghost">
										Deactivate
									</button>
								</form>
							) : (
								<form class="inline" data-api={`/admin/api/services/${s.id}`} data-method="PATCH" data-extra={JSON.stringify({ active: true })} data-done="reload">
									<button type="submit" class="ghost">
										Reactivate
									</button>
								</form>
							)}
						</li>
					))}
				</ul>
				<details class="create">
					<summary>Add a service</summary>
					<form class="stack" id="new-service" data-api="/admin/api/services" data-method="POST" data-done="reload">
						<ServiceFields staff={members} prefix="new-service" />
						<p class="form-error" role="alert"></p>
						<button type="submit" class="primary">
							Create service
						</button>
					</form>
				</details>
			</section>

			<section id="staff" class="card" aria-labelledby="staff-heading">
				<h2 id="staff-heading">Staff</h2>
				<ul class="entity-list">
					{members.map((m) => {
						const schedule = schedules.get(m.id) ?? { hours: [], overrides: [], timeOff: [] };
						return (
							<li class={m.active ? "" : "inactive"} data-staff={m.id}>
								<span class="swatch" data-color={m.color} aria-hidden="true"></span>
								<strong>{m.name}</strong> <span class="muted">{`${m.email}${m.active ? "" : " · inactive"}`}</span>
								{hasAccount.has(m.id) ? (
									<span class="pill">Has an account</span>
								) : (
									<form class="inline" data-api={`/admin/api/staff/${m.id}/invite`} data-method="POST" data-done={`Invitation sent to ${m.email}.`}>
										<button type="submit">Invite</button>
									</form>
								)}
								<details>
									<summary>Edit</summary>
									<form class="stack" data-api={`/admin/api/staff/${m.id}`} data-method="PATCH" data-done="reload">
										<StaffFields member={m} services={services} prefix={m.id} zone={zone} />
										<p class="form-error" role="alert"></p>
										<button type="submit" class="primary">
											Save
										</button>
									</form>
								</details>
								<Schedule member={m} hours={schedule.hours} overrides={schedule.overrides} timeOff={schedule.timeOff} zone={zone} />
								{m.active ? (
									<form class="inline" data-api={`/admin/api/staff/${m.id}`} data-method="DELETE" data-done="reload" data-confirm={`Deactivate ${m.name}? They lose access and their calendars are disconnected. Their bookings stay; upcoming ones are flagged on the calendar for you to move or cancel.`}>
										<button type="submit" class="ghost">
											Deactivate
										</button>
									</form>
								) : null}
							</li>
						);
					})}
				</ul>
				<details class="create">
					<summary>Add a staff member</summary>
					<form class="stack" data-api="/admin/api/staff" data-method="POST" data-done="reload">
						<StaffFields services={services} prefix="new-staff" zone={zone} />
						<p class="form-error" role="alert"></p>
						<button type="submit" class="primary">
							Add staff member
						</button>
					</form>
				</details>
			</section>

			<section id="rooms" class="card" aria-labelledby="rooms-heading">
				<h2 id="rooms-heading">Rooms and other resources</h2>
				<ul class="entity-list">
					{rooms.map((r) => (
						<li class={r.active ? "" : "inactive"}>
							<form class="inline-form" data-api={`/admin/api/resources/${r.id}`} data-method="PATCH" data-done="reload">
								<div class="field">
									<label for={`${r.id}-name`}>Name</label>
									<input id={`${r.id}-name`} name="name" type="text" value={r.name} required />
								</div>
								<div class="field">
									<label for={`${r.id}-type`}>Type</label>
									<input id={`${r.id}-type`} name="type" type="text" value={r.type} required />
								</div>
								<p class="form-error" role="alert"></p>
								<button type="submit">Save</button>
							</form>
							{r.active ? (
								<form class="inline" data-api={`/admin/api/resources/${r.id}`} data-method="DELETE" data-done="reload" data-confirm={`Deactivate ${r.name}?`}>
									<button type="submit" class="ghost">
										Deactivate
									</button>
								</form>
							) : (
								<span class="muted">inactive</span>
							)}
						</li>
					))}
				</ul>
				<form class="inline-form" data-api="/admin/api/resources" data-method="POST" data-done="reload">
					<div class="field">
						<label for="new-room-name">New room name</label>
						<input id="new-room-name" name="name" type="text" required />
					</div>
					<div class="field">
						<label for="new-room-type">Type</label>
						<input id="new-room-type" name="type" type="text" value="room" required />
					</div>
					<p class="form-error" role="alert"></p>
					<button type="submit">Add room</button>
				</form>
			</section>

			<section id="business" class="card" aria-labelledby="business-heading">
				<h2 id="business-heading">Business settings</h2>
				<form class="stack" data-api="/admin/api/settings" data-method="PATCH" data-done="reload">
					<div class="grid-fields">
						<div class="field">
							<label for="biz-name">Business name</label>
							<input id="biz-name" name="name" type="text" value={settings.name} required />
						</div>
						<div class="field">
							<label for="biz-address">Business address</label>
							<input id="biz-address" name="address" type="text" data-type="nullable" value={settings.address ?? ""} aria-describedby="biz-address-hint" />
							<small id="biz-address-hint" class="muted">
								Where services "at the business address" take place.
							</small>
						</div>
						<div class="field">
							<label for="biz-tz">Time zone</label>
							<input id="biz-tz" name="timezone" type="text" list="time-zones" value={settings.timezone} required />
						</div>
						<div class="field">
							<label for="biz-colour">Branding colour</label>
							<input id="biz-colour" name="brandColor" type="color" value={settings.brandColor} />
						</div>
					</div>
					<label class="check">
						<input type="checkbox" name="tentativeBlocks" data-type="bool" checked={settings.settings.tentativeBlocks} /> Tentative calendar events block booking time
					</label>
					<fieldset>
						<legend>Customers may sign in with</legend>
						<label class="check">
							<input type="checkbox" name="signIn.google" data-type="bool" checked={settings.settings.signIn.google} /> Google
						</label>
						<label class="check">
							<input type="checkbox" name="signIn.facebook" data-type="bool" checked={settings.settings.signIn.facebook} /> Facebook
						</label>
						<label class="check">
							<input type="checkbox" name="signIn.password" data-type="bool" checked={settings.settings.signIn.password} /> Email and password
						</label>
					</fieldset>
					<p class="form-error" role="alert"></p>
					<button type="submit" class="primary">
						Save settings
					</button>
				</form>
				<p class="muted">
					Booking page: <a href={`/b/${settings.slug}`}>/b/{settings.slug}</a>
				</p>
			</section>
		</AdminLayout>,
	);
}
