// Keeps each merchant object's copy of the setup current. D1 triggers move merchants.setup_version
// on every setup change (migrations/0012), and the object writes back the version it loaded
// (schedule_setup_version); a difference means the object is behind. Admin changes refresh their
// merchant's object before answering, so the booking page sees a change at once; the cron refreshes
// any object still behind (a refresh that failed, a change written outside the admin).
import { d1 } from "../db/client";
import { merchantSchedule } from "./merchant-schedule";

/** How many stale objects one cron run refreshes; the rest wait for the next run. */
const CRON_REFRESH_LIMIT = 200;

/** Refreshes `merchantId`'s object if its setup copy is older than D1's setup; returns whether it was. */
export async function syncScheduleSetup(env: Env, merchantId: string): Promise<boolean> {
	const row = await d1(env.DB)
		.prepare("select setup_version, schedule_setup_version from merchants where id = ?")
		.bind(merchantId)
		.first<{ setup_version: number; schedule_setup_version: number }>();
	if (row === null || row.schedule_setup_version >= row.setup_version) return false;
	await merchantSchedule(env, merchantId).refreshSetup(row.setup_version);
	return true;
}

/** The cron's part: refreshes the objects whose setup copy is behind; returns how many. */
export async function refreshStaleSchedules(env: Env): Promise<number> {
	const { results } = await d1(env.DB)
		.prepare("select id, setup_version from merchants where schedule_setup_version < setup_version limit ?")
		.bind(CRON_REFRESH_LIMIT)
		.all<{ id: string; setup_version: number }>();
	const outcomes = await Promise.allSettled(results.map((row) => merchantSchedule(env, row.id).refreshSetup(row.setup_version)));
	return outcomes.filter((outcome) => outcome.status === "fulfilled").length;
}
