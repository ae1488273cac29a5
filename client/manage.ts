// The manage page behind a confirmation's link: cancel the booking, or move it to another free time.
import type { Booking, Slot } from "../src/web/api/schemas";
import { h, replace } from "./dom";
import { request } from "./shared/http";
import type { Failure } from "./shared/http";
import { googleCalendarUrl } from "../src/booking/calendar-links";
import { slotPicker } from "./slot-picker";
import { formatWhen, inTimeOrder } from "./time";

export interface ManageConfig {
	page: "manage";
	merchant: { slug: string; name: string; brandColor: string | null };
	booking: { id: string; token: string; serviceId: string; staffId: string; status: string; start: string; end: string; timezone: string };
	calendarEvent: { title: string; details: string; location: string | null };
}

export function startManage(root: HTMLElement, config: ManageConfig): void {
	const booking = { ...config.booking };
	const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
	const panel = h("div", { class: "manage-actions" });
	replace(root, panel, status);
	const base = `/api/v1/bookings/${encodeURIComponent(booking.id)}`;
	const query = `?token=${encodeURIComponent(booking.token)}`;

	function showBooking(): void {
		const when = document.getElementById("slotline-when");
		if (when !== null) when.textContent = `${formatWhen(booking.start, booking.timezone)} (${booking.timezone.replaceAll("_", " ")})`;
		const state = document.getElementById("slotline-status");
		if (state !== null) state.textContent = booking.status === "cancelled" ? "Cancelled" : "Confirmed";
		// The server rendered the add-to-calendar links for the booking as it was.
		if (booking.status === "cancelled") {
			document.getElementById("slotline-calendar-links")?.remove();
			return;
		}
		const google = document.getElementById("slotline-google-calendar");
		if (google instanceof HTMLAnchorElement) google.href = googleCalendarUrl({ ...config.calendarEvent, start: booking.start, end: booking.end });
	}

	function actions(): void {
		if (booking.status === "cancelled") {
			replace(panel, h("p", {}, "This booking is cancelled."), h("a", { class: "button secondary", href: `/b/${encodeURIComponent(config.merchant.slug)}` }, "Book again"));
			return;
		}
		replace(
			panel,
			h("button", { type: "button", class: "primary", id: "slotline-reschedule", onclick: reschedule }, "Reschedule"),
			h("button", { type: "button", class: "danger", id: "slotline-cancel", onclick: askCancel }, "Cancel booking"),
		);
	}

	function askCancel(): void {
		const question = h(
			"div",
			{ class: "alert", role: "alertdialog", "aria-labelledby": "slotline-cancel-q", tabindex: "-1" },
			h("p", { id: "slotline-cancel-q" }, "Cancel this booking? This cannot be undone."),
			h("button", { type: "button", class: "danger", id: "slotline-cancel-yes", onclick: () => void cancel() }, "Yes, cancel it"),
			h("button", { type: "button", class: "ghost", onclick: actions }, "Keep it"),
		);
		replace(panel, question);
		question.querySelector<HTMLElement>("#slotline-cancel-yes")?.focus();
	}

	async function cancel(): Promise<void> {
		status.textContent = "Cancelling…";
		const result = await request<{ bookings: Booking[] }>("POST", `${base}/cancel${query}`, { scope: "one" });
		if (!result.ok) {
			status.textContent = result.detail;
			return;
		}
		booking.status = "cancelled";
		status.textContent = "Your booking is cancelled.";
		showBooking();
		actions();
		panel.querySelector<HTMLElement>("a")?.focus();
	}

	function reschedule(): void {
		let zone = booking.timezone;
		replace(
			panel,
			h("h2", { tabindex: "-1" }, "Pick a new time"),
			slotPicker({
				merchant: config.merchant.slug,
				serviceId: booking.serviceId,
				staffId: booking.staffId,
				timezone: zone,
				status,
				onTimezone: (next) => (zone = next),
				onPick: (slot) => void move(slot, zone),
			}),
			h("button", { type: "button", class: "ghost", onclick: actions }, "Keep the current time"),
		);
		panel.querySelector<HTMLElement>("h2")?.focus();
	}

	async function move(slot: Slot, zone: string): Promise<void> {
		status.textContent = "Moving your booking…";
		const result = await request<{ bookings: Booking[] }>("POST", `${base}/reschedule${query}`, { start: slot.start });
		if (!result.ok) {
			conflict(result, zone);
			return;
		}
		booking.start = slot.start;
		booking.end = slot.end;
		status.textContent = `Your booking is moved to ${formatWhen(slot.start, zone)}.`;
		showBooking();
		actions();
	}

	function conflict(problem: Failure, zone: string): void {
		status.textContent = problem.status === 409 ? "That time was just taken. Please choose another." : problem.detail;
		const alternatives = inTimeOrder(problem.alternatives);
		if (problem.status !== 409 || alternatives.length === 0) return;
		const alert = h(
			"div",
			{ class: "alert", role: "alert", tabindex: "-1" },
			h("p", {}, h("strong", {}, "Sorry, someone just booked that time."), " These times are still free:"),
			h("div", { class: "slots" }, ...alternatives.map((alt) => h("button", { type: "button", class: "slot alternative", "data-start": alt.start, onclick: () => void move(alt, zone) }, formatWhen(alt.start, zone)))),
		);
		panel.prepend(alert);
		alert.focus();
	}

	showBooking();
	actions();
}
