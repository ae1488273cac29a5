// The merchant's setup as its Durable Object keeps it: read from D1 (the record of setup, edited by
// the admin) in one batch, and written into the object's storage whole, in one transaction. Setup
// changes are rare and small; copying all of it keeps the copy trivially correct.
import { eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client";
import { dateOverrides, merchants, resources, services, staff, staffServices, timeOff, workingHours } from "../db/schema";
import { placeColumns, placeOf } from "../place";
import type { Place } from "../place";
import type { ServiceRecord, StaffRecord } from "./schedule-store";

export interface SetupSnapshot {
	merchant: { id: string; name: string; address: string | null; timezone: string; tentativeBlocks: boolean; setupVersion: number };
	services: ServiceRecord[];
	staff: StaffRecord[];
	staffServices: Array<{ staffId: string; serviceId: string }>;
	resources: Array<{ id: string; name: string; type: string; active: boolean }>;
	workingHours: Array<{ staffId: string; weekday: number; startTime: string; endTime: string }>;
	dateOverrides: Array<{ staffId: string; date: string; intervals: Array<{ start: string; end: string }> }>;
	timeOff: Array<{ id: string; staffId: string; startsAt: number; endsAt: number }>;
}

/** The merchant's setup, in one D1 batch; null for an unknown merchant. */
export async function readSetup(db: Database, merchantId: string): Promise<SetupSnapshot | null> {
	const staffIds = db.select({ id: staff.id }).from(staff).where(eq(staff.merchantId, merchantId));
	const [merchantRows, serviceRows, staffRows, offered, resourceRows, hours, overrides, absences] = await db.batch([
		db.select().from(merchants).where(eq(merchants.id, merchantId)).limit(1),
		db.select().from(services).where(eq(services.merchantId, merchantId)),
		db.select().from(staff).where(eq(staff.merchantId, merchantId)),
		db.select().from(staffServices).where(inArray(staffServices.staffId, staffIds)),
		db.select().from(resources).where(eq(resources.merchantId, merchantId)),
		db.select().from(workingHours).where(inArray(workingHours.staffId, staffIds)),
		db.select().from(dateOverrides).where(inArray(dateOverrides.staffId, staffIds)),
		db.select().from(timeOff).where(inArray(timeOff.staffId, staffIds)),
	]);
	const merchant = merchantRows[0];
	if (merchant === undefined) return null;
	return {
		merchant: { id: merchant.id, name: merchant.name, address: merchant.address, timezone: merchant.timezone, tentativeBlocks: merchant.settings.tentativeBlocks === true, setupVersion: merchant.setupVersion },
		services: serviceRows.map((s) => ({
			id: s.id,
			name: s.name,
			durationMinutes: s.durationMinutes,
			bufferBeforeMinutes: s.bufferBeforeMinutes,
			bufferAfterMinutes: s.bufferAfterMinutes,
			minNoticeMinutes: s.minNoticeMinutes,
			horizonDays: s.horizonDays,
			slotIntervalMinutes: s.slotIntervalMinutes,
			requiredResourceType: s.requiredResourceType,
			active: s.active,
			place: placeOf(s) ?? { kind: "in_person_business" },
		})),
		staff: staffRows.map((m) => ({ id: m.id, name: m.name, timezone: m.timezone, position: m.position, active: m.active, place: placeOf(m) })),
		staffServices: offered.map((x) => ({ staffId: x.staffId, serviceId: x.serviceId })),
		resources: resourceRows.map((r) => ({ id: r.id, name: r.name, type: r.type, active: r.active })),
		workingHours: hours.map((h) => ({ staffId: h.staffId, weekday: h.weekday, startTime: h.startTime, endTime: h.endTime })),
		dateOverrides: overrides.map((o) => ({ staffId: o.staffId, date: o.date, intervals: o.intervals })),
		timeOff: absences.map((a) => ({ id: a.id, staffId: a.staffId, startsAt: a.startsAt, endsAt: a.endsAt })),
	};
}

/** A place's column values, in the order the inserts below name them (place_kind, place_address, place_phone, place_url). */
function placeValues(place: Place | null): Array<string | null> {
	const columns = placeColumns(place);
	return [columns.placeKind, columns.placeAddress, columns.placePhone, columns.placeUrl];
}

/** Replaces the object's copy of the setup with `snapshot`, in one transaction. */
export function writeSetup(storage: DurableObjectStorage, snapshot: SetupSnapshot, now: number): void {
	const sql = storage.sql;
	storage.transactionSync(() => {
		for (const table of ["services", "staff", "staff_services", "resources", "working_hours", "date_overrides", "time_off"]) sql.exec(`delete from ${table}`);
		const m = snapshot.merchant;
		sql.exec(
			`insert into setup_state (id, merchant_id, merchant_name, merchant_address, merchant_timezone, tentative_blocks, setup_version, loaded_at) values (1, ?, ?, ?, ?, ?, ?, ?)
			 on conflict (id) do update set merchant_id = excluded.merchant_id, merchant_name = excluded.merchant_name, merchant_address = excluded.merchant_address, merchant_timezone = excluded.merchant_timezone,
			 tentative_blocks = excluded.tentative_blocks, setup_version = excluded.setup_version, loaded_at = excluded.loaded_at`,
			m.id,
			m.name,
			m.address,
			m.timezone,
			m.tentativeBlocks ? 1 : 0,
			m.setupVersion,
			now,
		);
		for (const s of snapshot.services) {
			sql.exec(
				"insert into services (id, name, duration_minutes, buffer_before_minutes, buffer_after_minutes, min_notice_minutes, horizon_days, slot_interval_minutes, required_resource_type, active, place_kind, place_address, place_phone, place_url) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				s.id,
				s.name,
				s.durationMinutes,
				s.bufferBeforeMinutes,
				s.bufferAfterMinutes,
				s.minNoticeMinutes,
				s.horizonDays,
				s.slotIntervalMinutes,
				s.requiredResourceType,
				s.active ? 1 : 0,
				...placeValues(s.place),
			);
		}
		for (const s of snapshot.staff) {
			sql.exec(
				"insert into staff (id, name, timezone, position, active, place_kind, place_address, place_phone, place_url) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				s.id,
				s.name,
				s.timezone,
				s.position,
				s.active ? 1 : 0,
				...placeValues(s.place),
			);
		}
		for (const x of snapshot.staffServices) sql.exec("insert into staff_services (staff_id, service_id) values (?, ?)", x.staffId, x.serviceId);
		for (const r of snapshot.resources) sql.exec("insert into resources (id, name, type, active) values (?, ?, ?, ?)", r.id, r.name, r.type, r.active ? 1 : 0);
		for (const h of snapshot.workingHours) sql.exec("insert into working_hours (staff_id, weekday, start_time, end_time) values (?, ?, ?, ?)", h.staffId, h.weekday, h.startTime, h.endTime);
		for (const o of snapshot.dateOverrides) sql.exec("insert into date_overrides (staff_id, date, intervals) values (?, ?, ?)", o.staffId, o.date, JSON.stringify(o.intervals));
		for (const a of snapshot.timeOff) sql.exec("insert into time_off (id, staff_id, starts_at, ends_at) values (?, ?, ?, ?)", a.id, a.staffId, a.startsAt, a.endsAt);
	});
}
