// The benchmarks' Worker (scripts/bench/wrangler.bench.toml): Slotline exactly as deployed, plus the
// baseline the storms compare it with under the same `wrangler dev`, so it never ships in production.
// The baseline is the least a correct booking write can do on Workers: Worker → the merchant's Durable
// Object → one synchronous overlap check and insert in the object's own SQLite, nothing else.
import { DurableObject } from "cloudflare:workers";
import type { Job } from "../../src/jobs";
import slotline from "../../src/index";

// Every Durable Object class the real Worker exports, whatever they become.
export * from "../../src/index";

interface BenchEnv extends Env {
	BASELINE_SCHEDULE: DurableObjectNamespace<BaselineSchedule>;
}

const PREFIX = "/_baseline/m/";

/** `GET` answers "ok" and does nothing else: what wrangler dev's proxy and the runtime cost by themselves. */
const NOTHING = "/_baseline/nothing";

/** One per merchant (idFromName): its bookings and nothing else. */
export class BaselineSchedule extends DurableObject<BenchEnv> {
	constructor(ctx: DurableObjectState, env: BenchEnv) {
		super(ctx, env);
		ctx.storage.sql.exec(`create table if not exists bookings (
			id integer primary key,
			staff_id text not null,
			start_ms integer not null,
			end_ms integer not null
		)`);
		ctx.storage.sql.exec("create index if not exists bookings_staff_start on bookings (staff_id, start_ms)");
	}

	/** Whether the booking was made; check and insert in one transaction with no await between them. */
	createBooking(staffId: string, start: number, end: number): boolean {
		const sql = this.ctx.storage.sql;
		return this.ctx.storage.transactionSync(() => {
			const taken = sql.exec("select 1 from bookings where staff_id = ? and start_ms < ? and end_ms > ? limit 1", staffId, end, start).toArray().length > 0;
			if (taken) return false;
			sql.exec("insert into bookings (staff_id, start_ms, end_ms) values (?, ?, ?)", staffId, start, end);
			return true;
		});
	}

	/**
	 * The bookings overlapping [from, to), of one staff member or (null) of all, as JSON: the least an
	 * availability answer has to read, beside which availability-http.mjs sets Slotline's.
	 */
	bookingsBetween(staffId: string | null, from: number, to: number): string {
		const sql = this.ctx.storage.sql;
		const rows =
			staffId === null
				? sql.exec<{ staff_id: string; start_ms: number; end_ms: number }>("select staff_id, start_ms, end_ms from bookings where start_ms < ? and end_ms > ? order by start_ms", to, from)
				: sql.exec<{ staff_id: string; start_ms: number; end_ms: number }>("select staff_id, start_ms, end_ms from bookings where staff_id = ? and start_ms < ? and end_ms > ? order by start_ms", staffId, to, from);
		return JSON.stringify(rows.toArray().map((r) => ({ staffId: r.staff_id, start: new Date(r.start_ms).toISOString(), end: new Date(r.end_ms).toISOString() })));
	}

	/** Overlapping pairs, which must be 0: a baseline that double-books would flatter itself. */
	doubleBookings(): number {
		const [row] = this.ctx.storage.sql
			.exec<{ n: number }>("select count(*) as n from bookings a join bookings b on a.id < b.id and a.staff_id = b.staff_id and a.start_ms < b.end_ms and b.start_ms < a.end_ms")
			.toArray();
		return row?.n ?? 0;
	}
}

function json(body: unknown, status: number): Response {
	return Response.json(body, { status });
}

/**
 * `POST {PREFIX}{merchant}/bookings` with `{staffId, start, end}` (ISO instants), `GET
 * {PREFIX}{merchant}/bookings?from=&to=[&staffId=]` (ISO instants) and `GET {PREFIX}{merchant}/double-bookings`.
 */
async function baseline(request: Request, url: URL, env: BenchEnv): Promise<Response> {
	const [merchant, action, ...rest] = url.pathname.slice(PREFIX.length).split("/");
	if (merchant === undefined || merchant === "" || rest.length > 0) return json({ error: "not found" }, 404);
	const schedule = env.BASELINE_SCHEDULE.get(env.BASELINE_SCHEDULE.idFromName(merchant));
	if (action === "double-bookings" && request.method === "GET") return json({ pairs: await schedule.doubleBookings() }, 200);
	if (action === "bookings" && request.method === "GET") {
		const from = Date.parse(url.searchParams.get("from") ?? "");
		const to = Date.parse(url.searchParams.get("to") ?? "");
		if (!(from < to)) return json({ error: "from and to required" }, 400);
		const bookings = await schedule.bookingsBetween(url.searchParams.get("staffId"), from, to);
		return new Response(`{"bookings":${bookings}}`, { status: 200, headers: { "content-type": "application/json" } });
	}
	if (action !== "bookings" || request.method !== "POST") return json({ error: "not found" }, 404);
	const body: unknown = await request.json().catch(() => null);
	const { staffId, start, end } = (body ?? {}) as Record<string, unknown>;
	const startMs = typeof start === "string" ? Date.parse(start) : Number.NaN;
	const endMs = typeof end === "string" ? Date.parse(end) : Number.NaN;
	if (typeof staffId !== "string" || !(startMs < endMs)) return json({ error: "staffId, start and end required" }, 400);
	return (await schedule.createBooking(staffId, startMs, endMs)) ? json({ staffId, start, end }, 201) : json({ error: "taken" }, 409);
}

export default {
	...slotline,

	async fetch(request, env, ctx) {
		const url = new URL(request.url);
		if (url.pathname === NOTHING) return new Response("ok");
		return url.pathname.startsWith(PREFIX) ? baseline(request, url, env) : slotline.fetch(request, env, ctx);
	},
} satisfies ExportedHandler<BenchEnv, Job>;
