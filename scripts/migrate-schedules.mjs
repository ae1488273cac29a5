#!/usr/bin/env node
// `npm run migrate:schedules -- --url https://HOST [--dry-run] [--page-size N]`: moves an existing
// deployment's schedules (bookings, series, busy blocks, unsent legacy outbox rows) from D1 into each
// merchant's Durable Object, one merchant at a time, through the Worker's /ops routes (src/web/ops.ts),
// with the OPS_TOKEN environment variable as the bearer token. One line per merchant; it stops at the
// first merchant whose object and D1 disagree (exit 1). Each merchant is imported idempotently and marked
// only once verified, and only unmarked merchants are listed, so running it again resumes where it stopped.
// README: "Moving an existing deployment's schedules into the Durable Objects".

const ROUTE = "/ops/schedules/migrate";

export class MigrationError extends Error {
	name = "MigrationError";
}

/**
 * Walks every merchant still to migrate, page by page, and migrates each (or, with `dryRun`, says what
 * it would import). Throws MigrationError at the first refusal or mismatch, after printing its line.
 */
export async function migrateSchedules({ url, token, dryRun = false, pageSize = 50, fetch = globalThis.fetch, print = console.log }) {
	const call = async (method, path, body) => {
		let response;
		try {
			response = await fetch(new URL(path, url), {
				method,
				headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
				body: body === undefined ? undefined : JSON.stringify(body),
			});
		} catch (error) {
			throw new MigrationError(`cannot reach ${url}: ${error instanceof Error ? error.message : String(error)}`);
		}
		const answer = await response.json().catch(() => null);
		if (response.ok && answer !== null) return answer;
		if (response.status === 404 && answer?.type?.endsWith("/not-found") && answer.detail?.startsWith("No route")) {
			throw new MigrationError(`${url} has no ${ROUTE}: deploy this version and set its OPS_TOKEN secret (npx wrangler secret put OPS_TOKEN)`);
		}
		if (response.status === 401) throw new MigrationError(`${url} refused the token: OPS_TOKEN must be the deployment's OPS_TOKEN secret`);
		return { failed: true, status: response.status, problem: answer };
	};

	let after = "";
	let done = 0;
	for (;;) {
		const page = await call("GET", `${ROUTE}?${new URLSearchParams({ after, limit: String(pageSize) })}`);
		if (page.failed) throw new MigrationError(`listing merchants failed: ${describeProblem(page)}`);
		for (const merchant of page.merchants) {
			const who = `${merchant.id} (${merchant.slug})`;
			if (dryRun) {
				const { bookings, series, busyBlocks, unsentMessages } = merchant.d1;
				print(`${who}: would import bookings ${bookings}, series ${series}, busy blocks ${busyBlocks}; relay messages ${unsentMessages}`);
				done++;
				continue;
			}
			const result = await call("POST", ROUTE, { merchantId: merchant.id });
			if (result.failed) {
				print(`${who}: ${failureLine(result)}`);
				throw new MigrationError(`stopped at ${merchant.id}: ${result.problem?.title ?? `HTTP ${result.status}`}; ${done} merchants migrated before it`);
			}
			const { imported, d1 } = result;
			print(
				`${who}: imported bookings ${imported.bookings}, series ${imported.series}, busy blocks ${imported.busyBlocks}; relayed messages ${imported.legacyMessages}; checksums match (bookings ${d1.bookings}, ${d1.checksum.slice(0, 12)})`,
			);
			done++;
		}
		if (page.next === null) break;
		after = page.next;
	}
	if (done === 0) print("nothing to migrate: every merchant's schedule is in its Durable Object");
	else print(dryRun ? `dry run: ${done} merchants to migrate` : `migrated ${done} merchants`);
	return { merchants: done };
}

function failureLine(result) {
	const problem = result.problem;
	if (problem?.type?.endsWith("/schedule-mismatch")) {
		return `checksums DIFFER (D1: bookings ${problem.d1.bookings}, ${problem.d1.checksum.slice(0, 12)}; object: bookings ${problem.object.bookings}, ${problem.object.checksum.slice(0, 12)})`;
	}
	if (problem?.type?.endsWith("/schedule-overlap")) {
		const pairs = problem.overlaps.map((pair) => `${pair.bookingIds.join(" and ")} at ${pair.start}`).join("; ");
		return `${problem.detail} Overlapping: ${pairs}`;
	}
	return describeProblem(result);
}

function describeProblem(result) {
	return `HTTP ${result.status}${result.problem?.detail === undefined ? "" : `: ${result.problem.detail}`}`;
}

async function main() {
	const { parseArgs } = await import("node:util");
	const usage = "usage: OPS_TOKEN=… npm run migrate:schedules -- --url https://your-host [--dry-run] [--page-size 50]";
	let values;
	try {
		({ values } = parseArgs({ options: { url: { type: "string" }, "dry-run": { type: "boolean", default: false }, "page-size": { type: "string", default: "50" }, help: { type: "boolean", default: false } } }));
	} catch (error) {
		console.error(`${error.message}\n${usage}`);
		process.exit(2);
	}
	const token = process.env.OPS_TOKEN ?? "";
	const pageSize = Number(values["page-size"]);
	if (values.help || values.url === undefined || token === "" || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > 200) {
		console.error(token === "" && !values.help ? `OPS_TOKEN is not set.\n${usage}` : usage);
		process.exit(values.help ? 0 : 2);
	}
	try {
		await migrateSchedules({ url: values.url, token, dryRun: values["dry-run"], pageSize });
	} catch (error) {
		if (!(error instanceof MigrationError)) throw error;
		console.error(error.message);
		process.exit(1);
	}
}

// Run as a command, not when a test imports migrateSchedules.
if (import.meta.filename !== undefined && import.meta.filename === process.argv[1]) await main();
