// Operations routes (/ops/*) for whoever runs the deployment, not for people in a browser: the
// OPS_TOKEN secret as a bearer token. Without that secret they do not exist (the same 404 as any
// unknown path). They move each merchant's schedule from D1 into its Durable Object, one merchant a
// call, for scripts/migrate-schedules.mjs (README, "Moving an existing deployment's schedules").
import { sha256 } from "@oslojs/crypto/sha2";
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { Hono } from "hono";
import type { Context, Next } from "hono";
import { z } from "zod";
import { merchantSchedule } from "../booking/merchant-schedule";
import type { Imported, ScheduleComparison } from "../booking/schedule-import";
import { merchantById } from "../db/queries/catalog";
import { markScheduleMigrated, overlappingBookings, unmigratedMerchants } from "../db/queries/schedule-migration";
import type { OverlappingPair } from "../db/queries/schedule-migration";
import { AppError, UnauthorizedError } from "../errors";
import { utcIso } from "../time";
import { valid } from "./admin/validate";
import { entityId } from "./admin/schemas";
import type { AppEnv } from "./context";
import { handleError } from "./problem";

type ImportReport = { imported: Imported } & ScheduleComparison;

/** 409: after the import, the object and D1 disagree; the merchant stays unmigrated. */
class ScheduleMismatchError extends AppError {
	readonly status = 409;
	readonly code = "schedule-mismatch";
	readonly title = "The merchant's schedule object does not match D1";

	constructor(
		readonly merchantId: string,
		readonly report: ImportReport,
	) {
		super(`After importing ${merchantId}, D1 holds ${report.d1.bookings} bookings (checksum ${report.d1.checksum}) and the object ${report.object.bookings} (checksum ${report.object.checksum}).`);
	}

	override extensions(): Record<string, unknown> {
		return { merchantId: this.merchantId, ...this.report };
	}
}

/**
 * 409: the object refused an old booking of D1's because it overlaps one the object already holds (taken
 * after the deploy, before this merchant was migrated). Cancelling one of each pair lets a re-run finish.
 */
class ScheduleOverlapError extends AppError {
	readonly status = 409;
	readonly code = "schedule-overlap";
	readonly title = "D1 holds bookings that overlap the object's";

	constructor(
		readonly merchantId: string,
		readonly overlaps: OverlappingPair[],
	) {
		super(`The object refused a booking of ${merchantId} that overlaps one it holds; cancel one booking of each pair in "overlaps" and run the migration again.`);
	}

	override extensions(): Record<string, unknown> {
		return { merchantId: this.merchantId, overlaps: this.overlaps.map((pair) => ({ ...pair, start: utcIso(pair.start) })) };
	}
}

const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;
const encoder = new TextEncoder();

/** Compares digests, so neither the token's length nor how much of it matched shows in the timing. */
function tokenMatches(authorization: string | undefined, expected: string): boolean {
	const presented = BEARER.exec(authorization ?? "")?.[1];
	if (presented === undefined) return false;
	return constantTimeEqual(sha256(encoder.encode(presented)), sha256(encoder.encode(expected)));
}

async function requireOpsToken(c: Context<AppEnv>, next: Next): Promise<Response | void> {
	// Typed as always set (wrangler.toml requires it), but a local .dev.vars may still lack it.
	const expected = (c.env.OPS_TOKEN as string | undefined) ?? "";
	if (expected === "") return c.notFound();
	if (!tokenMatches(c.req.header("authorization"), expected)) {
		const refused = handleError(new UnauthorizedError("These routes need the deployment's OPS_TOKEN as a bearer token (Authorization: Bearer <token>)."), c);
		// RFC 6750 §3: a refusal names the scheme that would be accepted.
		refused.headers.set("www-authenticate", 'Bearer realm="slotline-ops"');
		return refused;
	}
	await next();
}

const listQuery = z.object({
	/** The last id of the previous page; merchants are listed by id. */
	after: z.string().max(64).default(""),
	limit: z.coerce.number().int().min(1).max(200).default(50),
});

const migrateBody = z.strictObject({ merchantId: entityId });

export const ops = new Hono<AppEnv>()
	.use("/ops/*", requireOpsToken)
	// The merchants whose schedule is not yet verified in their object, with what D1 holds for each; `next`
	// is the `after` of the following page (null on the last). Migrated merchants drop out of the list, so a
	// re-run of the command starts at the first merchant still to do.
	.get("/ops/schedules/migrate", valid("query", listQuery), async (c) => {
		const { after, limit } = c.req.valid("query");
		const merchants = await unmigratedMerchants(c.get("db"), after, limit);
		return c.json({ merchants, next: merchants.length === limit ? (merchants.at(-1)?.id ?? null) : null });
	})
	// Imports one merchant's bookings, series and busy blocks into its object and relays its unsent legacy
	// outbox rows (idempotent: a second call imports nothing), then marks it migrated only if the object
	// and D1 then hold the same bookings, by count and checksum.
	.post("/ops/schedules/migrate", valid("json", migrateBody), async (c) => {
		const { merchantId } = c.req.valid("json");
		const db = c.get("db");
		const merchant = await merchantById(db, merchantId);
		let report: ImportReport;
		try {
			report = await merchantSchedule(c.env, merchantId).importFromD1();
		} catch (error) {
			// The object's overlap triggers abort the import's transaction: say which bookings collide.
			if (error instanceof Error && error.message.includes("booking_overlap")) throw new ScheduleOverlapError(merchantId, await overlappingBookings(db, merchantId));
			throw error;
		}
		if (report.d1.bookings !== report.object.bookings || report.d1.checksum !== report.object.checksum) throw new ScheduleMismatchError(merchantId, report);
		const migratedAt = await markScheduleMigrated(db, merchantId, Date.now());
		return c.json({ merchantId, slug: merchant.slug, ...report, matches: true, migratedAt: utcIso(migratedAt) });
	});
