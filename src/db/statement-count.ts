// Counts the D1 statements this isolate issues, split by whether a request was waiting on them, so a test and
// the benchmarks can show that booking writes and availability reads touch no D1 on the request path (issue
// 15). Installed by d1() (src/db/client.ts) only when D1_STATEMENT_COUNTING is "1"; production never wraps.
import { AsyncLocalStorage } from "node:async_hooks";

/**
 * "request": an HTTP request or a Durable Object RPC call is being answered (the default: neither carries a
 * phase). "background": the queue consumer, the cron, an alarm, and work a handler leaves to run after its
 * answer (a `waitUntil` relay), each of which marks itself with inPhase().
 */
export type Phase = "request" | "background";

export type StatementCounts = Record<Phase, number>;

const phases = new AsyncLocalStorage<Phase>();
// Module state, so per isolate: locally the Worker and its Durable Objects share one, and the dev route reads it.
const counts: StatementCounts = { request: 0, background: 0 };
/** The same counts by statement ("<phase> <SQL text, shortened>"), to see which queries a path spends. */
const bySql = new Map<string, number>();
const countedBindings = new WeakMap<D1Database, D1Database>();
const counters = new WeakSet<D1Database>();
/** The statement each counting wrapper stands for: D1's batch() accepts only its own statement objects. */
const realStatements = new WeakMap<D1PreparedStatement, D1PreparedStatement>();

/** Runs `work` (and everything it starts) attributed to `phase`. */
export function inPhase<T>(phase: Phase, work: () => T): T {
	return phases.run(phase, work);
}

export function statementCounts(): StatementCounts {
	return { ...counts };
}

/** Counts by phase and statement text, most frequent first. */
export function statementCountsBySql(): Array<{ statement: string; count: number }> {
	return [...bySql].sort((a, b) => b[1] - a[1]).map(([statement, count]) => ({ statement, count }));
}

export function resetStatementCounts(): void {
	counts.request = 0;
	counts.background = 0;
	bySql.clear();
}

export function countingEnabled(vars: Pick<Env, "D1_STATEMENT_COUNTING">): boolean {
	return vars.D1_STATEMENT_COUNTING === "1";
}

function add(statements: number, sql: readonly string[] = []): void {
	const phase = phases.getStore() ?? "request";
	counts[phase] += statements;
	for (const text of sql) {
		const key = `${phase} ${text.replace(/\s+/g, " ").slice(0, 120)}`;
		bySql.set(key, (bySql.get(key) ?? 0) + 1);
	}
}

/** The SQL text behind each counting statement wrapper. */
const statementSql = new WeakMap<D1PreparedStatement, string>();

/** `binding` counting every statement it runs: each of prepare(…).run/all/first/raw, each statement of batch(), each of exec(). */
export function countStatements(binding: D1Database): D1Database {
	if (counters.has(binding)) return binding;
	let counter = countedBindings.get(binding);
	if (counter === undefined) {
		counter = countingSessions(binding) as D1Database;
		countedBindings.set(binding, counter);
		counters.add(counter);
	}
	return counter;
}

/** A database or a session (withSession) with counted prepare and batch; the rest passes through. */
function countingSessions<T extends D1Database | D1DatabaseSession>(real: T): T {
	return new Proxy(real, {
		get(target, key): unknown {
			if (key === "prepare") return (query: string) => countedStatement(target.prepare(query), query);
			if (key === "batch") {
				return (statements: D1PreparedStatement[]) => {
					add(
						statements.length,
						statements.map((statement) => statementSql.get(statement) ?? "?"),
					);
					return target.batch(statements.map((statement) => realStatements.get(statement) ?? statement));
				};
			}
			if (key === "exec") return (query: string) => countedExec(target as D1Database, query);
			if (key === "withSession") return (constraint?: string) => countingSessions((target as D1Database).withSession(constraint));
			const value: unknown = Reflect.get(target, key);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
}

/** exec() runs any number of statements and says how many only when done; a failed one counts as one. */
async function countedExec(target: D1Database, query: string): Promise<D1ExecResult> {
	try {
		const result = await target.exec(query);
		add(result.count, [query]);
		return result;
	} catch (error) {
		add(1, [query]);
		throw error;
	}
}

function countedStatement(real: D1PreparedStatement, sql: string): D1PreparedStatement {
	const counted = new Proxy(real, {
		get(target, key): unknown {
			if (key === "bind") return (...values: unknown[]) => countedStatement(target.bind(...values), sql);
			if (key === "first" || key === "run" || key === "all" || key === "raw") {
				const run = Reflect.get(target, key) as (...args: unknown[]) => Promise<unknown>;
				return (...args: unknown[]) => {
					add(1, [sql]);
					return run.apply(target, args);
				};
			}
			const value: unknown = Reflect.get(target, key);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
	realStatements.set(counted, real);
	statementSql.set(counted, sql);
	return counted;
}
