// A calendar.push that exhausted its retries: kept as a failed pending push (the admin can retry it)
// and shown on its connection as Error; the cron retries it with backoff.
import { addPending, calendarById, connectionById, logOperation } from "../db/queries/connections";
import type { CalendarPushJob } from "../jobs";
import { pushesFailed } from "./connections";
import type { SyncContext } from "./connections";

export async function recordDeadPush(context: SyncContext, job: CalendarPushJob): Promise<void> {
	const calendar = await calendarById(context.db, job.calendarId);
	if (calendar === null) return;
	const connection = await connectionById(context.db, calendar.connectionId);
	if (connection === null || connection.status === "disconnected") return;
	const message = `booking ${job.bookingId} gave up after repeated failures`;
	// It failed only because it kept meeting transient errors: a later retry may well succeed.
	await addPending(context.db, connection.id, job.bookingId, { state: "failed", retryable: true }, message);
	await logOperation(context.db, connection.id, "write-event", "error", message, context.now());
	await pushesFailed(context, connection, message);
}
