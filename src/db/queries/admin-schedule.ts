// Admin reads and writes of a staff member's hours: the weekly pattern, date overrides and time
// off. Callers resolve the staff member with staffOf(merchantId, …) first, which is the tenant check.
import { and, asc, eq, getTableColumns, gt, gte, lt, lte } from "drizzle-orm";
import type { Database } from "../client";
import { dateOverrides, staff, timeOff, workingHours } from "../schema";
import { NotFoundError } from "../../errors";
import { newId } from "../../ids";

export type WorkingHoursRow = typeof workingHours.$inferSelect;
export type DateOverrideRow = typeof dateOverrides.$inferSelect;
export type TimeOffRow = typeof timeOff.$inferSelect;

export interface WeeklyInterval {
	weekday: number;
	start: string;
	end: string;
}

export async function weeklyHours(db: Database, staffId: string): Promise<WorkingHoursRow[]> {
	return db.query.workingHours.findMany({
		where: eq(workingHours.staffId, staffId),
		orderBy: [asc(workingHours.weekday), asc(workingHours.startTime)],
	});
}

/** Replaces the whole weekly pattern in one batch, so readers never see half of it. */
export async function replaceWeeklyHours(db: Database, staffId: string, intervals: WeeklyInterval[]): Promise<void> {
	const rows = intervals.map((i) => ({ id: newId("wh"), staffId, weekday: i.weekday, startTime: i.start, endTime: i.end }));
	await db.batch([db.delete(workingHours).where(eq(workingHours.staffId, staffId)), ...(rows.length === 0 ? [] : [db.insert(workingHours).values(rows)])]);
}

export async function overridesBetween(db: Database, staffId: string, from: string, to: string): Promise<DateOverrideRow[]> {
	return db.query.dateOverrides.findMany({
		where: and(eq(dateOverrides.staffId, staffId), gte(dateOverrides.date, from), lte(dateOverrides.date, to)),
		orderBy: [asc(dateOverrides.date)],
	});
}

export interface AdminStaffSchedule {
	hours: WorkingHoursRow[];
	overrides: DateOverrideRow[];
	timeOff: TimeOffRow[];
}

/**
 * Every staff member's weekly hours, date overrides between two dates and time off overlapping
 * [from, to) (UTC epoch ms), by staff id, in one batch of three statements however many staff the
 * merchant has (the setup page lists them all). A staff member with none of these is absent.
 */
export async function merchantSchedules(db: Database, merchantId: string, dates: { from: string; to: string }, instants: { from: number; to: number }): Promise<Map<string, AdminStaffSchedule>> {
	const ofMerchant = eq(staff.merchantId, merchantId);
	const [hours, overrides, off] = await db.batch([
		db
			.select(getTableColumns(workingHours))
			.from(workingHours)
			.innerJoin(staff, eq(staff.id, workingHours.staffId))
			.where(ofMerchant)
			.orderBy(asc(workingHours.weekday), asc(workingHours.startTime)),
		db
			.select(getTableColumns(dateOverrides))
			.from(dateOverrides)
			.innerJoin(staff, eq(staff.id, dateOverrides.staffId))
			.where(and(ofMerchant, gte(dateOverrides.date, dates.from), lte(dateOverrides.date, dates.to)))
			.orderBy(asc(dateOverrides.date)),
		db
			.select(getTableColumns(timeOff))
			.from(timeOff)
			.innerJoin(staff, eq(staff.id, timeOff.staffId))
			.where(and(ofMerchant, lt(timeOff.startsAt, instants.to), gt(timeOff.endsAt, instants.from)))
			.orderBy(asc(timeOff.startsAt)),
	]);
	const schedules = new Map<string, AdminStaffSchedule>();
	const of = (staffId: string): AdminStaffSchedule => {
		let schedule = schedules.get(staffId);
		if (schedule === undefined) {
			schedule = { hours: [], overrides: [], timeOff: [] };
			schedules.set(staffId, schedule);
		}
		return schedule;
	};
	for (const row of hours) of(row.staffId).hours.push(row);
	for (const row of overrides) of(row.staffId).overrides.push(row);
	for (const row of off) of(row.staffId).timeOff.push(row);
	return schedules;
}

/** Sets one date's hours; an empty list closes the day. */
export async function putOverride(db: Database, staffId: string, date: string, intervals: Array<{ start: string; end: string }>): Promise<DateOverrideRow> {
	const [row] = await db
		.insert(dateOverrides)
		.values({ id: newId("ovr"), staffId, date, intervals })
		.onConflictDoUpdate({ target: [dateOverrides.staffId, dateOverrides.date], set: { intervals } })
		.returning();
	if (row === undefined) throw new Error("override upsert returned no row");
	return row;
}

export async function deleteOverride(db: Database, staffId: string, date: string): Promise<void> {
	const deleted = await db
		.delete(dateOverrides)
		.where(and(eq(dateOverrides.staffId, staffId), eq(dateOverrides.date, date)))
		.returning({ id: dateOverrides.id });
	if (deleted.length === 0) throw new NotFoundError("Date override");
}

/** Time off overlapping [from, to) (UTC epoch ms). */
export async function timeOffBetween(db: Database, staffId: string, from: number, to: number): Promise<TimeOffRow[]> {
	return db.query.timeOff.findMany({
		where: and(eq(timeOff.staffId, staffId), lt(timeOff.startsAt, to), gt(timeOff.endsAt, from)),
		orderBy: [asc(timeOff.startsAt)],
	});
}

export async function insertTimeOff(db: Database, staffId: string, value: { startsAt: number; endsAt: number; reason: string | null }): Promise<TimeOffRow> {
	const [row] = await db
		.insert(timeOff)
		.values({ id: newId("off"), staffId, ...value })
		.returning();
	if (row === undefined) throw new Error("time off insert returned no row");
	return row;
}

export async function deleteTimeOff(db: Database, staffId: string, timeOffId: string): Promise<void> {
	const deleted = await db
		.delete(timeOff)
		.where(and(eq(timeOff.id, timeOffId), eq(timeOff.staffId, staffId)))
		.returning({ id: timeOff.id });
	if (deleted.length === 0) throw new NotFoundError("Time off");
}
