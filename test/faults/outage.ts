// A D1 outage, switched on and off by a test: while `down`, every statement and batch run through the
// binding this gives fails as D1 fails when its connection drops; otherwise it is the runner's real
// database. The fault suite and test/sync/outage.test.ts give it to the queue consumer's env. (A mail
// outage is the sandbox's own "mail" fault.)

export class D1Outage {
	down = false;
	/** Statements and batches refused while down, so a test can tell the outage was met. */
	refused = 0;
	private readonly statements = new WeakMap<D1PreparedStatement, D1PreparedStatement>();

	/** `base` with its D1 binding subject to this outage. */
	env(base: Env): Env {
		return { ...base, DB: this.database(base.DB) };
	}

	private refusal(): Promise<never> {
		this.refused++;
		return Promise.reject(new Error("D1_ERROR: Network connection lost."));
	}

	private database(real: D1Database): D1Database {
		const outage = this;
		return new Proxy(real, {
			get(target, key): unknown {
				if (key === "prepare") return (query: string) => outage.statement(target.prepare(query));
				if (key === "batch") {
					return (statements: D1PreparedStatement[]) => (outage.down ? outage.refusal() : target.batch(statements.map((s) => outage.statements.get(s) ?? s)));
				}
				if (key === "exec") return (query: string) => (outage.down ? outage.refusal() : target.exec(query));
				const value: unknown = Reflect.get(target, key);
				return typeof value === "function" ? value.bind(target) : value;
			},
		});
	}

	private statement(real: D1PreparedStatement): D1PreparedStatement {
		const outage = this;
		const wrapped = new Proxy(real, {
			get(target, key): unknown {
				if (key === "bind") return (...values: unknown[]) => outage.statement(target.bind(...values));
				if (key === "first" || key === "run" || key === "all" || key === "raw") {
					const run = Reflect.get(target, key) as (...args: unknown[]) => Promise<unknown>;
					return (...args: unknown[]) => (outage.down ? outage.refusal() : run.apply(target, args));
				}
				const value: unknown = Reflect.get(target, key);
				return typeof value === "function" ? value.bind(target) : value;
			},
		});
		this.statements.set(wrapped, real);
		return wrapped;
	}
}
