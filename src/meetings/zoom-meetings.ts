// The meeting.push job: makes a booking's (or a series') Zoom meeting match what D1 holds now, exactly once.
// Zoom has no idempotency key, so a create is claimed in booking_meetings first ("creating"), carries our
// marker in its agenda, and a create whose answer was lost is looked up by that marker before another is sent.
import { asc, eq, inArray } from "drizzle-orm";
import { ProviderError, TokenRevokedError } from "../calendars/provider";
import type { Database } from "../db/client";
import { connectionById, logOperation } from "../db/queries/connections";
import type { ConnectionRow, LogOutcome } from "../db/queries/connections";
import { bookings, services, staff } from "../db/schema";
import type { BookingChangedJob, Job, MeetingPushJob } from "../jobs";
import { placeOfBooking } from "../place";
import { providerTimeoutMs } from "../sync/adapters";
import { markBookingsDirty } from "../db/queries/event-links";
import { needsReauthorization } from "../sync/connection-health";
import { enqueuePushes } from "../sync/connection-jobs";
import type { SyncContext } from "../sync/context";
import { errorSummary } from "../sync/error-summary";
import { RetryablePushError } from "../sync/outbound";
import { claimMeetingCreate, meetingById, meetingIdOf, recordMeetingProblem, saveMeeting, saveMeetingAndAnnounce } from "./meeting-store";
import type { MeetingRow, MeetingState, MeetingWrite } from "./meeting-store";
import { ZoomApi } from "./zoom";
import type { ZoomMeetingRequest } from "./zoom";
import { zoomHostConnection, zoomTokens } from "./zoom-access";

type BookingRow = typeof bookings.$inferSelect;

export type MeetingOutcome = "created" | "adopted" | "updated" | "deleted" | "skipped" | "waiting" | "failed";

/** A job that raced a newer change of the booking applies it again at most this many times, then retries later. */
const MAX_ROUNDS = 3;

export const NO_ZOOM_MESSAGE = "Zoom is not connected for this staff member or the business: connect Zoom on the Integrations page to create the meeting.";

function reconnectMessage(connection: ConnectionRow): string {
	return `Slotline lost access to the Zoom account ${connection.accountLabel}: reconnect Zoom on the Integrations page to create the meeting.`;
}

/** The line in a meeting's agenda that names the booking or series it belongs to (and nothing about the customer). */
export function zoomMarker(meetingId: string): string {
	return `slotline:${meetingId}`;
}

/** Queues a meeting.push for a booking (the admin's Retry, or anyone who must bring its meeting in line). */
export async function queueMeetingPush(queue: Queue<Job>, booking: { merchantId: string; id: string; version: number }): Promise<void> {
	await queue.send({ type: "meeting.push", merchantId: booking.merchantId, bookingId: booking.id, version: booking.version }, { contentType: "json" });
}

/** The meeting.push of a booking change (whether one is needed is changeTargets' `zoom`, in the fan-out's one statement). */
export function meetingPushJob(job: BookingChangedJob): MeetingPushJob {
	return { type: "meeting.push", merchantId: job.merchantId, bookingId: job.bookingId, version: job.version };
}

/**
 * Brings the Zoom meeting in line with the booking as D1 holds it now (never the message's snapshot, so a
 * late or repeated job cannot bring back an older state). Throws only what the queue should retry.
 */
export async function handleMeetingPush(context: SyncContext, job: MeetingPushJob): Promise<MeetingOutcome> {
	for (let round = 0; round < MAX_ROUNDS; round++) {
		const group = await bookingGroup(context.db, job.bookingId);
		if (group.length === 0) return "skipped";
		const version = groupVersion(group);
		const outcome = await new MeetingPush(context, group, version).run();
		// Changed while Zoom was being written: what was sent may already be old.
		if (groupVersion(await bookingGroup(context.db, job.bookingId)) === version) return outcome;
	}
	throw new RetryablePushError(`meeting of booking ${job.bookingId} kept changing while it was pushed`, null);
}

/** The booking, or every occurrence of its series (one meeting serves the series). */
async function bookingGroup(db: Database, bookingId: string): Promise<BookingRow[]> {
	const booking = await db.query.bookings.findFirst({ where: eq(bookings.id, bookingId) });
	if (booking === undefined) return [];
	if (booking.seriesId === null) return [booking];
	return db.query.bookings.findMany({ where: eq(bookings.seriesId, booking.seriesId), orderBy: [asc(bookings.seriesIndex)] });
}

/** Versions only grow, so their sum grows with any change to any occurrence: the group's version. */
function groupVersion(group: BookingRow[]): number {
	return group.reduce((sum, b) => sum + b.version, 0);
}

interface WantedMeeting {
	/** Whose Zoom hosts it: the staff member with most of the Zoom occurrences (ties: the earliest one's). */
	staffId: string;
	request: ZoomMeetingRequest;
}

/**
 * How long one attempt may hold a create ("creating" without an error): past it the attempt is taken to have
 * died (an isolate ends mid-request) and the meeting is looked up. Covers a lookup, a token refresh and the
 * create with its retry after a 401, each within the provider timeout.
 */
function claimLeaseMs(env: Env): number {
	return 5 * (providerTimeoutMs(env) ?? 30_000) + 10_000;
}

/** One round of a meeting.push: what should exist, what does, and the Zoom calls between them. */
class MeetingPush {
	private readonly first: BookingRow;
	private readonly meetingId: string;
	/** The row as this round last wrote or read it. */
	private row: MeetingRow | null = null;
	/** The connection a failure is logged on and whose meeting the row describes. */
	private connection: ConnectionRow | null = null;
	/** A create was sent whose answer is not known: until it is, the meeting may exist (the row stays "creating"). */
	private uncertain = false;
	private operation = "create-meeting";

	constructor(
		private readonly context: SyncContext,
		private readonly group: BookingRow[],
		private readonly version: number,
	) {
		this.first = group[0] as BookingRow;
		this.meetingId = meetingIdOf(this.first);
	}

	async run(): Promise<MeetingOutcome> {
		const { context } = this;
		this.row = await meetingById(context.db, this.meetingId);
		const wanted = await this.wanted();
		// A Meet or Teams meeting is its calendar push's to keep or drop; a Zoom meeting wanted now replaces its row.
		const row = this.row?.provider === "zoom" ? this.row : null;
		if (wanted === null && (row === null || row.state === "deleted")) return "skipped";
		// Usually done in a moment, so the queue's own backoff; past the lease the next attempt looks the meeting up.
		if (row !== null && this.inFlight(row)) throw new RetryablePushError(`meeting ${this.meetingId} is being created by another attempt`, null);
		const host = wanted === null ? null : await zoomHostConnection(context.db, this.first.merchantId, wanted.staffId);
		if (wanted !== null && row?.state === "ready" && row.connectionId === host?.id && row.syncedVersion >= this.version) return "skipped";
		this.uncertain = row?.state === "creating";
		try {
			// A meeting (or a create that may have made one) with a host it should no longer have goes first.
			if (row !== null && row.state !== "deleted" && row.connectionId !== null && (wanted === null || row.connectionId !== host?.id)) {
				await this.remove(row);
				if (wanted === null) {
					await this.save({ state: "deleted", connectionId: row.connectionId, externalId: null, joinUrl: null, error: null, syncedVersion: this.version });
					return "deleted";
				}
				this.row = await meetingById(context.db, this.meetingId);
			} else if (wanted === null) {
				await this.save({ state: "deleted", connectionId: row?.connectionId ?? null, externalId: null, joinUrl: null, error: null, syncedVersion: this.version });
				return "deleted";
			}
			return await this.ensure(wanted, host);
		} catch (error) {
			return this.failed(error);
		}
	}

	/** What the booking asks for: a Zoom meeting when a confirmed occurrence takes place on Zoom, else none. */
	private async wanted(): Promise<WantedMeeting | null> {
		const { db } = this.context;
		const confirmed = this.group.filter((b) => b.status === "confirmed");
		if (confirmed.length === 0) return null;
		const serviceIds = [...new Set(confirmed.map((b) => b.serviceId))];
		const staffIds = [...new Set(confirmed.map((b) => b.staffId))];
		const [serviceRows, staffRows] = await Promise.all([
			db.select().from(services).where(inArray(services.id, serviceIds)).all(),
			db.select().from(staff).where(inArray(staff.id, staffIds)).all(),
		]);
		const serviceOf = new Map(serviceRows.map((s) => [s.id, s]));
		const staffOf = new Map(staffRows.map((s) => [s.id, s]));
		const onZoom = confirmed.filter((b) => {
			const service = serviceOf.get(b.serviceId);
			const member = staffOf.get(b.staffId);
			if (service === undefined) return false;
			const place = placeOfBooking(service, member);
			return place.kind === "zoom";
		});
		const lead = onZoom[0];
		if (lead === undefined) return null;
		const counts = new Map<string, number>();
		for (const b of onZoom) counts.set(b.staffId, (counts.get(b.staffId) ?? 0) + 1);
		let host = lead.staffId;
		for (const [staffId, count] of counts) if (count > (counts.get(host) ?? 0)) host = staffId;
		const shown = onZoom.find((b) => b.staffId === host) ?? lead;
		const service = serviceOf.get(shown.serviceId);
		const member = staffOf.get(host);
		// The topic is the service only: the join page shows it to anyone holding the link.
		const request: ZoomMeetingRequest = {
			topic: service?.name ?? "Appointment",
			agenda: `Booked through Slotline.\n${zoomMarker(this.meetingId)}`,
			timing: this.first.seriesId === null ? { kind: "scheduled", start: shown.startsAt, end: shown.endsAt, timeZone: member?.timezone ?? shown.timezone } : { kind: "anytime" },
		};
		return { staffId: host, request };
	}

	/** A create claimed by an attempt that has neither finished nor outlived its lease. */
	private inFlight(row: MeetingRow): boolean {
		return row.state === "creating" && row.error === null && row.intentAt !== null && row.intentAt + claimLeaseMs(this.context.env) > this.context.now();
	}

	/** Deletes the row's meeting from its connection (looking it up first when its create's answer was lost). */
	private async remove(row: MeetingRow): Promise<void> {
		const connection = row.connectionId === null ? null : await connectionById(this.context.db, row.connectionId);
		// The account is gone from Slotline (disconnected, or deauthorised in Zoom, which ends its meetings' tokens).
		if (connection === null || connection.status === "disconnected") return;
		this.connection = connection;
		this.operation = "delete-meeting";
		const api = await this.api(connection);
		const externalId = row.externalId ?? (row.state === "creating" ? ((await api.findMeeting(zoomMarker(this.meetingId)))?.id ?? null) : null);
		if (externalId !== null) await api.deleteMeeting(externalId);
		this.uncertain = false;
		await this.log("ok", null);
	}

	/** The meeting on `host`: made, found again, or moved to the booking's time. */
	private async ensure(wanted: WantedMeeting, host: ConnectionRow | null): Promise<MeetingOutcome> {
		const { context } = this;
		if (host === null) {
			await this.save({ state: "pending", connectionId: null, error: NO_ZOOM_MESSAGE });
			return "waiting";
		}
		this.connection = host;
		if (host.status === "error" && host.errorKind === "reauthorize") {
			await this.save({ state: this.uncertain ? "creating" : "pending", connectionId: host.id, error: reconnectMessage(host) });
			return "waiting";
		}
		const row = this.row?.provider === "zoom" ? this.row : null;
		const api = await this.api(host);
		if (row !== null && row.state !== "deleted" && row.state !== "creating" && row.externalId !== null && row.connectionId === host.id) {
			this.operation = "update-meeting";
			// A series' meeting has no time of its own: moving an occurrence changes nothing in Zoom.
			const moved = wanted.request.timing.kind === "anytime" ? "updated" : await api.updateMeeting(row.externalId, wanted.request);
			if (moved === "updated") {
				await this.save({ state: "ready", connectionId: host.id, error: null, syncedVersion: this.version });
				await this.log("ok", `meeting of ${this.meetingId} updated`);
				return "updated";
			}
			// Deleted in Zoom by its host: a new meeting (and a new link, mailed again).
		}
		this.operation = "create-meeting";
		if (row?.state === "creating" && row.connectionId === host.id) {
			this.row = await claimMeetingCreate(context.db, this.meetingId, row, { ...this.identity(), connectionId: host.id }, context.now());
			if (this.row === null) throw this.lostClaim();
			const found = await api.findMeeting(zoomMarker(this.meetingId));
			if (found !== null) {
				// Made from an older state perhaps: bring it to the current one before trusting it.
				if (wanted.request.timing.kind === "scheduled") await api.updateMeeting(found.id, wanted.request);
				await this.store(found.id, found.joinUrl);
				await this.log("ok", `meeting of ${this.meetingId} found after a lost answer`);
				return "adopted";
			}
		} else {
			const fresh = { ...this.identity(), connectionId: host.id, externalId: null, joinUrl: null, syncedVersion: this.version };
			this.row = await claimMeetingCreate(context.db, this.meetingId, this.row, fresh, context.now());
			if (this.row === null) throw this.lostClaim();
		}
		this.uncertain = true;
		const created = await api.createMeeting(wanted.request).catch((error: unknown) => {
			// A 4xx (a 429 or a revoked grant too) means Zoom made nothing; no answer or a 5xx may hide a meeting made.
			if (error instanceof ProviderError && error.status >= 400 && error.status < 500) this.uncertain = false;
			throw error;
		});
		await this.store(created.id, created.joinUrl);
		await this.log("ok", `meeting of ${this.meetingId} created`);
		return "created";
	}

	private async store(externalId: string, joinUrl: string): Promise<void> {
		const before = this.row?.joinUrl ?? null;
		const write: MeetingWrite = { ...this.identity(), connectionId: this.connection?.id ?? null, state: "ready", externalId, joinUrl, error: null, syncedVersion: this.version };
		this.row = await saveMeetingAndAnnounce(this.context.db, this.context.queue, this.meetingId, write, this.context.now());
		this.uncertain = false;
		if (before === joinUrl) return;
		// The calendar events show a Zoom link as their location and in their description (src/sync/outbound.ts):
		// written before the link existed, they are written again now.
		const ids = this.group.map((b) => b.id);
		await markBookingsDirty(this.context.db, ids);
		await enqueuePushes(this.context, ids);
	}

	private lostClaim(): RetryablePushError {
		return new RetryablePushError(`meeting ${this.meetingId} was claimed by another attempt`, null);
	}

	/**
	 * Records why the link is not there and decides between waiting for the person (revoked grant), a queue
	 * retry (429, 5xx, timeouts, D1) and failing until the admin retries (a 4xx that repeating cannot fix).
	 * A create whose answer is unknown keeps the row "creating", so the next attempt looks before creating.
	 */
	private async failed(error: unknown): Promise<MeetingOutcome> {
		// Another attempt holds the create: the row is its to write.
		if (error instanceof RetryablePushError) throw error;
		const summary = errorSummary(error);
		const connectionId = this.connection?.id ?? this.row?.connectionId ?? null;
		const waiting: MeetingState = this.uncertain ? "creating" : "pending";
		if (error instanceof TokenRevokedError && this.connection !== null) {
			await needsReauthorization(this.context, this.connection);
			await this.record({ state: waiting, connectionId, error: reconnectMessage(this.connection) });
			await this.log("error", summary);
			return "waiting";
		}
		if (!(error instanceof ProviderError) || error.retryable) {
			try {
				await this.record({ state: waiting, connectionId, error: summary });
			} catch {
				// D1 down: the queue retries the job, and the row is written then.
			}
			await this.log("retry", summary);
			throw new RetryablePushError(summary, error instanceof ProviderError ? error.retryAfterSeconds : null, error);
		}
		await this.record({ state: this.uncertain ? "creating" : "failed", connectionId, error: summary });
		await this.log("error", summary);
		return "failed";
	}

	/** The row as the problem leaves it, unless another attempt changed it meanwhile (a failure never undoes its work). */
	private async record(write: Omit<MeetingWrite, "merchantId" | "bookingId" | "seriesId" | "provider">): Promise<void> {
		await recordMeetingProblem(this.context.db, this.meetingId, this.row, { ...this.identity(), ...write }, this.context.now());
	}

	private identity(): Pick<MeetingWrite, "merchantId" | "bookingId" | "seriesId" | "provider"> {
		return { merchantId: this.first.merchantId, bookingId: this.first.id, seriesId: this.first.seriesId, provider: "zoom" };
	}

	private async save(write: Omit<MeetingWrite, "merchantId" | "bookingId" | "seriesId" | "provider">): Promise<void> {
		this.row = await saveMeeting(this.context.db, this.meetingId, { ...this.identity(), ...write }, this.context.now());
	}

	private async log(outcome: LogOutcome, message: string | null): Promise<void> {
		if (this.connection === null) return;
		try {
			await logOperation(this.context.db, this.connection.id, this.operation, outcome, message ?? `meeting of ${this.meetingId}`, this.context.now());
		} catch {
			// The log is for people; the job's outcome does not depend on it.
		}
	}

	private async api(connection: ConnectionRow): Promise<ZoomApi> {
		const tokens = await zoomTokens(this.context, connection);
		return new ZoomApi({ api: this.context.env.ZOOM_API, tokens, fetch: (input, init) => fetch(input, init), timeoutMs: providerTimeoutMs(this.context.env) });
	}
}
