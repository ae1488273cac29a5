// The D1 statement counter: every way of running a statement is counted once, in the phase its caller set.
import { env, withEnv } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { d1, database } from "./client";
import { merchants } from "./schema";
import { countStatements, inPhase, resetStatementCounts, statementCounts } from "./statement-count";

beforeEach(resetStatementCounts);

describe("countStatements", () => {
	it("counts each statement once, however it is run, and answers as D1 does", async () => {
		const db = countStatements(env.DB);
		expect(await db.prepare("select 1 as one").first()).toEqual({ one: 1 });
		await db.prepare("select ? as two").bind(2).run();
		expect((await db.prepare("select ?1 as n").bind(3).all()).results).toEqual([{ n: 3 }]);
		expect(await db.prepare("select 4").raw()).toEqual([[4]]);
		expect(statementCounts()).toEqual({ request: 4, background: 0 });

		const results = await db.batch([db.prepare("select 5 as n"), db.prepare("select ? as n").bind(6), env.DB.prepare("select 7 as n")]);
		expect(results.map((result) => result.results)).toEqual([[{ n: 5 }], [{ n: 6 }], [{ n: 7 }]]);
		expect(statementCounts()).toEqual({ request: 7, background: 0 });

		expect((await db.exec("select 8;\nselect 9;")).count).toBe(2);
		await db.withSession("first-primary").prepare("select 10").first();
		expect(statementCounts()).toEqual({ request: 10, background: 0 });
	});

	it("counts a statement that fails too: it was issued", async () => {
		const db = countStatements(env.DB);
		await expect(db.prepare("select * from no_such_table").all()).rejects.toThrow(/no such table/);
		await expect(db.exec("select * from no_such_table")).rejects.toThrow(/no such table/);
		expect(statementCounts()).toEqual({ request: 2, background: 0 });
	});

	it("attributes to the phase its caller set, across awaits, and to the request by default", async () => {
		const db = countStatements(env.DB);
		await inPhase("background", async () => {
			await db.prepare("select 1").first();
			await new Promise((resolve) => setTimeout(resolve, 1));
			await db.batch([db.prepare("select 2"), db.prepare("select 3")]);
		});
		await db.prepare("select 4").first();
		expect(statementCounts()).toEqual({ request: 1, background: 3 });
	});

	it("wraps a binding once: wrapping the wrapper counts nothing twice", async () => {
		const db = countStatements(env.DB);
		expect(countStatements(db)).toBe(db);
		expect(countStatements(env.DB)).toBe(db);
		await database(d1(env.DB)).select().from(merchants);
		expect(statementCounts()).toEqual({ request: 1, background: 0 });
	});
});

describe("d1", () => {
	it("counts only when D1_STATEMENT_COUNTING is 1, and otherwise hands out the binding itself", async () => {
		expect(d1(env.DB)).not.toBe(env.DB);
		const off = withEnv({ ...env, D1_STATEMENT_COUNTING: "" }, () => d1(env.DB)) as D1Database;
		expect(off).toBe(env.DB);
		await off.prepare("select 1").first();
		expect(statementCounts()).toEqual({ request: 0, background: 0 });
	});
});
