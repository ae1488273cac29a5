// The calendar island: places bookings and busy blocks by their minutes, overlapping ones side by side
// (CSSOM, which the CSP allows), opens a booking to edit its notes, reschedule or cancel it, and creates
// a booking or walk-in from an empty cell or the "New booking" button. Every change goes through the
// Admin API, then the page reloads.
import { h, replace } from "../dom";
import type { AdminBookingJson } from "../../src/web/admin/schemas";
import type { Answer } from "../shared/http";
import { announce, instantOf, request } from "./http";
import { sideBySide } from "./side-by-side";

export interface CalendarConfig {
	page: "calendar";
	timezone: string;
	date: string;
	openBooking: string | null;
	bookings: AdminBookingJson[];
	services: Array<{ id: string; name: string; durationMinutes: number; staffIds: string[] }>;
	staff: Array<{ id: string; name: string }>;
	/** Whose column the viewer may book into (owners: every active staff member's). */
	bookableStaffIds: string[];
	/** Whose bookings the viewer may change: also a deactivated staff member's, for the owner to move or cancel. */
	changeableStaffIds: string[];
	inactiveStaffIds: string[];
}

function whenText(iso: string, zone: string): string {
	return new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: zone }).format(new Date(iso));
}

/** Pixels per minute: one half-hour cell is as tall as CSS made it. */
function scale(root: HTMLElement): number {
	const cell = root.querySelector<HTMLElement>(".cell");
	return cell === null ? 1 : cell.getBoundingClientRect().height / 30;
}

function place(root: HTMLElement): void {
	const windowStart = Number(root.dataset["windowStart"] ?? "0");
	const ppm = scale(root);
	for (const lane of Array.from(root.querySelectorAll<HTMLElement>(".lane"))) {
		const items = Array.from(lane.querySelectorAll<HTMLElement>(":scope > .item"));
		const boxes = items.map((item) => {
			const top = Math.max(0, Number(item.dataset["top"] ?? "0") - windowStart) * ppm;
			return { start: top, end: top + Math.max(14, Number(item.dataset["height"] ?? "30") * ppm - 2) };
		});
		// By the drawn boxes, not the minutes: a short item drawn at its minimum height can still cover the next.
		const placements = sideBySide(boxes);
		items.forEach((item, i) => {
			const box = boxes[i] ?? { start: 0, end: 0 };
			const { column, columns } = placements[i] ?? { column: 0, columns: 1 };
			item.style.top = `${box.start}px`;
			item.style.height = `${box.end - box.start}px`;
			item.style.left = `calc(${(100 * column) / columns}% + 2px)`;
			item.style.width = `calc(${100 / columns}% - 4px)`;
		});
	}
	for (const swatch of Array.from(document.querySelectorAll<HTMLElement>("[data-color]"))) {
		swatch.style.setProperty("--item", swatch.dataset["color"] ?? "#888");
	}
}

function field(label: string, id: string, control: HTMLElement): HTMLElement {
	control.id = id;
	return h("div", { class: "field" }, h("label", { for: id }, label), control);
}

function dialogShell(title: string): { dialog: HTMLDialogElement; body: HTMLElement; error: HTMLElement } {
	const error = h("p", { class: "form-error", role: "alert" });
	const body = h("div", { class: "stack" });
	const close = h("button", { type: "button", class: "ghost close", "aria-label": "Close" }, "✕");
	const dialog = h("dialog", { class: "sheet", "aria-labelledby": "dialog-title" }, h("header", {}, h("h2", { id: "dialog-title" }, title), close), body, error);
	close.addEventListener("click", () => dialog.close());
	dialog.addEventListener("close", () => dialog.remove());
	document.body.append(dialog);
	return { dialog, body, error };
}

async function run(error: HTMLElement, action: () => Promise<Answer<unknown>>): Promise<void> {
	error.textContent = "";
	const answer = await action();
	if (answer.ok) {
		location.reload();
		return;
	}
	const detail = answer.errors.map((e) => `${e.field.replace(/^body\./, "")}: ${e.message}`).join(" · ");
	error.textContent = detail === "" ? answer.detail : detail;
}

const MEETING_NAMES: Record<NonNullable<AdminBookingJson["meeting"]>["provider"], string> = { google_meet: "Google Meet", microsoft_teams: "Microsoft Teams", zoom: "Zoom", fixed_link: "Video link" };

/** The booking's video meeting: its Join link, or that the link is pending, and why with a Retry when the provider refused. */
function meetingFacts(booking: AdminBookingJson, mayRetry: boolean): HTMLElement | null {
	const meeting = booking.meeting;
	if (meeting === null) return null;
	const name = MEETING_NAMES[meeting.provider];
	const status =
		meeting.joinUrl !== null
			? h("a", { href: meeting.joinUrl, target: "_blank", rel: "noopener noreferrer", class: "button secondary", id: "booking-join" }, `Join (${name})`)
			: h("span", { id: "booking-meeting-state" }, meeting.state === "ready" ? `${name}: the link is for an owner and ${booking.staff.name}` : meeting.state === "failed" ? `${name}: the meeting could not be made` : `${name}: meeting link pending`);
	const problem = meeting.error === null ? null : h("p", { class: "banner error", id: "booking-meeting-error" }, meeting.error);
	let retry: HTMLElement | null = null;
	if (mayRetry && meeting.provider !== "fixed_link" && (meeting.state === "failed" || meeting.error !== null)) {
		// Inside the dialog: the page's own live region is inert while the modal is open.
		const said = h("span", { role: "status", id: "booking-meeting-retry-status" });
		const error = h("span", { class: "form-error", role: "alert" });
		const button = h("button", { type: "button", class: "secondary", id: "booking-meeting-retry" }, "Retry");
		button.addEventListener("click", () =>
			void (async () => {
				error.textContent = "";
				said.textContent = "";
				const answer = await request("POST", `/admin/api/bookings/${booking.id}/meeting/retry`);
				if (answer.ok) said.textContent = "Retrying the meeting: the link shows here once it is made.";
				else error.textContent = answer.detail;
			})(),
		);
		retry = h("p", { class: "actions" }, button, said, error);
	}
	return h("section", { class: "stack", "aria-label": "Video meeting" }, h("dl", { class: "summary" }, h("dt", {}, "Video"), h("dd", {}, status)), problem, retry);
}

function openBooking(config: CalendarConfig, booking: AdminBookingJson, opener: HTMLElement | null): void {
	const zone = config.timezone;
	const { dialog, body, error } = dialogShell(`${booking.service.name} with ${booking.staff.name}`);
	const contact = booking.customer === null ? [] : [booking.customer.name, booking.customer.email, booking.customer.phone];
	const customer = booking.walkIn || booking.customer === null ? "Walk-in" : contact.filter((part) => typeof part === "string" && part !== "").join(" · ");
	const facts = h(
		"dl",
		{ class: "summary" },
		h("dt", {}, "When"),
		h("dd", {}, `${whenText(booking.start, zone)} – ${whenText(booking.end, zone).split(", ").at(-1) ?? ""}`),
		h("dt", {}, "Customer"),
		h("dd", {}, customer),
		booking.customerNotes === null ? null : h("dt", {}, "Customer's notes"),
		booking.customerNotes === null ? null : h("dd", {}, booking.customerNotes),
		booking.resource === null ? null : h("dt", {}, "Room"),
		booking.resource === null ? null : h("dd", {}, booking.resource.name),
		booking.series === null ? null : h("dt", {}, "Series"),
		booking.series === null ? null : h("dd", {}, `${(booking.series.index ?? 0) + 1} of ${booking.series.count ?? "?"}`),
	);
	const meeting = meetingFacts(booking, config.changeableStaffIds.includes(booking.staff.id));
	const conflict =
		booking.conflicts.length === 0
			? null
			: h("p", { class: "banner error" }, `Conflicts with a busy time in ${[...new Set(booking.conflicts.map((c) => c.provider))].join(", ")} (${booking.conflicts.map((c) => `${whenText(c.start, zone)}–${whenText(c.end, zone).split(", ").at(-1) ?? ""}`).join("; ")}).`);

	if (!config.changeableStaffIds.includes(booking.staff.id)) {
		// Staff see a colleague's booking but may not change it (the API would refuse), nor see the
		// customer's contact details and the notes (the API leaves them out).
		const merchantNotes = booking.merchantNotes === null ? null : h("p", {}, h("strong", {}, "Merchant notes: "), booking.merchantNotes);
		const hidden = booking.detailsHidden ? h("p", { class: "muted" }, `The customer's contact details and notes are visible to an owner and ${booking.staff.name}.`) : null;
		replace(body, facts, meeting, conflict, merchantNotes, hidden, h("p", { class: "muted" }, `Only an owner or ${booking.staff.name} can change this booking.`));
		dialog.addEventListener("close", () => opener?.focus());
		dialog.showModal();
		return;
	}
	const bookable = config.staff.filter((s) => config.bookableStaffIds.includes(s.id));
	const notes = h("textarea", { rows: 3 }) as HTMLTextAreaElement;
	notes.value = booking.merchantNotes ?? "";
	const saveNotes = h("button", { type: "button" }, "Save notes");
	saveNotes.addEventListener("click", () => void run(error, () => request("PATCH", `/admin/api/bookings/${booking.id}`, { merchantNotes: notes.value.trim() === "" ? null : notes.value })));

	const localDate = booking.localStart.slice(0, 10);
	const localTime = booking.localStart.slice(11, 16);
	const date = h("input", { type: "date", value: localDate, required: true }) as HTMLInputElement;
	const time = h("input", { type: "time", value: localTime, step: 300, required: true }) as HTMLInputElement;
	const staff = h("select", {}, ...bookable.map((s) => h("option", { value: s.id, selected: s.id === booking.staff.id }, s.name))) as HTMLSelectElement;
	const scope = booking.series === null ? null : (h("select", {}, h("option", { value: "one" }, "This booking only"), h("option", { value: "series" }, "The whole series")) as HTMLSelectElement);
	const move = h("button", { type: "button" }, "Reschedule");
	move.addEventListener("click", () =>
		void run(error, async () => {
			const at = await instantOf(`${date.value}T${time.value}`);
			if (!at.ok) return at;
			return request("POST", `/admin/api/bookings/${booking.id}/reschedule`, { start: at.data.instant, staffId: staff.value, scope: scope?.value ?? "one" });
		}),
	);
	const cancel = h("button", { type: "button", class: "danger" }, "Cancel booking");
	cancel.addEventListener("click", () => {
		if (!window.confirm(`Cancel ${booking.service.name} (${customer})? The customer is told by email.`)) return;
		void run(error, () => request("POST", `/admin/api/bookings/${booking.id}/cancel`, { scope: scope?.value ?? "one" }));
	});

	const orphaned = config.inactiveStaffIds.includes(booking.staff.id)
		? h("p", { class: "banner error" }, `${booking.staff.name} is no longer active. Move this booking to a colleague below, or cancel it.`)
		: null;
	replace(
		body,
		facts,
		meeting,
		conflict,
		orphaned,
		field("Merchant notes (only staff see these)", "booking-notes", notes),
		h("p", { class: "actions" }, saveNotes),
		h("fieldset", {}, h("legend", {}, "Move to"), h("div", { class: "grid-fields" }, field("Date", "move-date", date), field(`Time (${zone})`, "move-time", time), field("With", "move-staff", staff), scope === null ? null : field("Apply to", "move-scope", scope)), h("p", { class: "actions" }, move)),
		h("p", { class: "actions" }, cancel),
	);
	dialog.addEventListener("close", () => opener?.focus());
	dialog.showModal();
}

function openCreate(config: CalendarConfig, preset: { start?: string; staffId?: string }, opener: HTMLElement | null): void {
	const zone = config.timezone;
	const { dialog, body, error } = dialogShell(preset.start === undefined ? "New booking" : `New booking · ${whenText(preset.start, zone)}`);
	const bookable = config.staff.filter((s) => config.bookableStaffIds.includes(s.id));
	const staff = h("select", {}, ...bookable.map((s) => h("option", { value: s.id, selected: s.id === preset.staffId }, s.name))) as HTMLSelectElement;
	const service = h("select", { required: true }) as HTMLSelectElement;
	function fillServices(): void {
		const offered = config.services.filter((s) => s.staffIds.includes(staff.value));
		replace(service, ...offered.map((s) => h("option", { value: s.id }, `${s.name} (${s.durationMinutes} min)`)));
	}
	staff.addEventListener("change", fillServices);
	fillServices();
	const date = h("input", { type: "date", value: config.date, required: true }) as HTMLInputElement;
	const time = h("input", { type: "time", value: "09:00", step: 300, required: true }) as HTMLInputElement;
	const walkIn = h("input", { type: "checkbox", checked: true }) as HTMLInputElement;
	const name = h("input", { type: "text", autocomplete: "off" }) as HTMLInputElement;
	const email = h("input", { type: "email", autocomplete: "off" }) as HTMLInputElement;
	const phone = h("input", { type: "tel", autocomplete: "off" }) as HTMLInputElement;
	const customerFields = h("fieldset", { class: "customer", hidden: true }, h("legend", {}, "Customer"), field("Name", "new-name", name), field("Email", "new-email", email), field("Phone (optional)", "new-phone", phone));
	walkIn.addEventListener("change", () => {
		customerFields.hidden = walkIn.checked;
	});
	const notes = h("textarea", { rows: 2 }) as HTMLTextAreaElement;
	const create = h("button", { type: "submit", class: "primary" }, "Create booking");
	const form = h(
		"form",
		{ class: "stack" },
		h("div", { class: "grid-fields" }, field("With", "new-staff", staff), field("Service", "new-service", service), preset.start === undefined ? field("Date", "new-date", date) : null, preset.start === undefined ? field(`Time (${zone})`, "new-time", time) : null),
		h("label", { class: "check" }, walkIn, " Walk-in (no customer details)"),
		customerFields,
		field("Merchant notes (optional)", "new-notes", notes),
		h("p", { class: "actions" }, create),
	);
	form.addEventListener("submit", (event) => {
		event.preventDefault();
		void run(error, async () => {
			let start = preset.start;
			if (start === undefined) {
				const at = await instantOf(`${date.value}T${time.value}`);
				if (!at.ok) return at;
				start = at.data.instant;
			}
			const customer = walkIn.checked ? null : { name: name.value.trim(), email: email.value.trim(), phone: phone.value.trim() === "" ? null : phone.value.trim() };
			return request(
				"POST",
				"/admin/api/bookings",
				{ serviceId: service.value, staffId: staff.value, start, customer, ...(notes.value.trim() === "" ? {} : { merchantNotes: notes.value.trim() }) },
				{ "idempotency-key": crypto.randomUUID() },
			);
		});
	});
	replace(body, form);
	dialog.addEventListener("close", () => opener?.focus());
	dialog.showModal();
	service.focus();
}

export function startCalendar(config: CalendarConfig): void {
	const root = document.querySelector<HTMLElement>(".cal");
	if (root === null) return;
	place(root);
	addEventListener("resize", () => place(root));
	const byId = new Map(config.bookings.map((b) => [b.id, b]));
	root.addEventListener("click", (event) => {
		const target = (event.target as HTMLElement).closest<HTMLElement>("[data-booking], .cell");
		if (target === null) return;
		const bookingId = target.dataset["booking"];
		if (bookingId !== undefined) {
			const booking = byId.get(bookingId);
			if (booking !== undefined) openBooking(config, booking, target);
			return;
		}
		openCreate(config, { start: target.dataset["start"] ?? "", staffId: target.dataset["staff"] ?? "" }, target);
	});
	document.querySelector("[data-new-booking]")?.addEventListener("click", (event) => openCreate(config, {}, event.currentTarget as HTMLElement));
	if (config.openBooking !== null) {
		const booking = byId.get(config.openBooking);
		if (booking !== undefined) openBooking(config, booking, root.querySelector(`[data-booking="${booking.id}"]`));
		else announce("That booking is not on this calendar page.");
	}
}
