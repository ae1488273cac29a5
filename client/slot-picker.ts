// Date and time choice: a month of days (days without a free slot greyed out), then that day's free
// times in the customer's zone, which they can switch. Used by the booking flow and the manage page.
import { availabilityUrl } from "./api";
import type { Availability, Slot } from "../src/web/api/schemas";
import { h, replace } from "./dom";
import { request as send } from "./shared/http";
import { formatDate, formatTime, monthDays, shiftMonth, slotDate, timeZones, todayIn, weekdayNames } from "./time";

export interface SlotPickerOptions {
	merchant: string;
	serviceId: string;
	staffId: string | null;
	timezone: string;
	/** The aria-live region that announces loading and results. */
	status: HTMLElement;
	onTimezone(zone: string): void;
	onPick(slot: Slot): void;
}

export function slotPicker(options: SlotPickerOptions): HTMLElement {
	let zone = options.timezone;
	let month = todayIn(zone).slice(0, 7);
	let byDate = new Map<string, Slot[]>();
	let selected: string | null = null;
	let loading = false;
	let request = 0;
	let autoAdvance = 1;

	const root = h("div", { class: "picker" });
	const zoneSelect = h(
		"select",
		{ id: "slotline-tz", onchange: () => setZone(zoneSelect.value) },
		...timeZones(zone).map((z) => h("option", { value: z, selected: z === zone }, z.replaceAll("_", " "))),
	);
	const zoneRow = h("p", { class: "tz" }, h("label", { for: "slotline-tz" }, "Time zone"), " ", zoneSelect);
	const calendar = h("div", { class: "calendar" });
	const times = h("div", { class: "times" });
	root.append(zoneRow, calendar, times);

	function announce(text: string): void {
		options.status.textContent = text;
	}

	function setZone(next: string): void {
		zone = next;
		options.onTimezone(zone);
		// The chosen day stays chosen: its times are loaded again, in the new zone.
		void load();
	}

	async function load(): Promise<void> {
		const id = ++request;
		const today = todayIn(zone);
		const { days } = monthDays(month);
		const from = days[0] !== undefined && days[0] > today ? days[0] : today;
		const to = days[days.length - 1] ?? today;
		byDate = new Map();
		loading = true;
		render();
		if (from > to) {
			loading = false;
			render();
			return;
		}
		announce("Loading available times…");
		const result = await send<Availability>("GET", availabilityUrl(options.merchant, { serviceId: options.serviceId, staffId: options.staffId, from, to, timezone: zone }));
		if (id !== request) return;
		loading = false;
		if (!result.ok) {
			announce(result.detail);
			render();
			return;
		}
		for (const slot of result.data.slots) {
			const date = slotDate(slot.localStart);
			byDate.set(date, [...(byDate.get(date) ?? []), slot]);
		}
		if (byDate.size === 0 && autoAdvance-- > 0) {
			// Nothing left this month (late in the month, say): show the next one rather than a blank page.
			month = shiftMonth(month, 1);
			return load();
		}
		if (selected !== null && byDate.has(selected)) {
			render();
			announceTimes(selected);
			return;
		}
		// A chosen day with no free time left (in a new zone, say) is no longer chosen.
		selected = null;
		announce(byDate.size === 0 ? `No free times in ${formatDate(`${month}-01`, "month")}.` : `${byDate.size} days with free times in ${formatDate(`${month}-01`, "month")}.`);
		render();
	}

	function announceTimes(date: string): void {
		const count = byDate.get(date)?.length ?? 0;
		announce(`${count} ${count === 1 ? "time" : "times"} available on ${formatDate(date)}.`);
	}

	function pickDate(date: string): void {
		selected = date;
		render();
		announceTimes(date);
		times.querySelector("button")?.focus();
	}

	function render(): void {
		const { leading, days } = monthDays(month);
		const thisMonth = todayIn(zone).slice(0, 7);
		const nav = h(
			"div",
			{ class: "month-nav" },
			h("button", { type: "button", class: "ghost", "aria-label": "Previous month", disabled: month <= thisMonth, onclick: () => changeMonth(-1) }, "‹"),
			h("h3", { id: "slotline-month" }, formatDate(`${month}-01`, "month")),
			h("button", { type: "button", class: "ghost", "aria-label": "Next month", onclick: () => changeMonth(1) }, "›"),
		);
		const grid = h("div", { class: "days", role: "group", "aria-labelledby": "slotline-month", "aria-busy": loading ? "true" : "false" });
		for (const name of weekdayNames()) grid.append(h("span", { class: "weekday", "aria-hidden": "true" }, name));
		for (let i = 0; i < leading; i++) grid.append(h("span", { class: "blank" }));
		for (const date of days) {
			const count = byDate.get(date)?.length ?? 0;
			const label = `${formatDate(date)}${count === 0 ? ", unavailable" : `, ${count} ${count === 1 ? "time" : "times"}`}`;
			grid.append(
				h(
					"button",
					{ type: "button", class: `day${date === selected ? " selected" : ""}`, disabled: count === 0, "aria-label": label, "aria-pressed": date === selected ? "true" : "false", "data-date": date, onclick: () => pickDate(date) },
					String(Number(date.slice(8))),
				),
			);
		}
		replace(calendar, nav, grid);

		const slots = selected === null ? [] : (byDate.get(selected) ?? []);
		replace(
			times,
			selected === null || loading
				? null
				: h(
						"section",
						{ "aria-labelledby": "slotline-times" },
						h("h3", { id: "slotline-times" }, `Times on ${formatDate(selected)}`),
						h("div", { class: "slots" }, ...slots.map((slot) => h("button", { type: "button", class: "slot", "data-start": slot.start, onclick: () => options.onPick(slot) }, formatTime(slot.start, zone)))),
					),
		);
	}

	function changeMonth(delta: number): void {
		month = shiftMonth(month, delta);
		selected = null;
		autoAdvance = 0;
		void load();
	}

	void load();
	return root;
}
