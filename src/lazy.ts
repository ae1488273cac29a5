// Libraries that the request path never uses, loaded where they are first used rather than when an isolate
// starts. Every isolate evaluates the top level of everything src/index.ts reaches through static imports
// before its first request. esbuild writes one bundle without splitting, and a module that only an
// `import()` reaches is placed in a function that first runs when that `import()` does.
//
// Only a module whose own imports are its alone belongs here: esbuild also wraps every module a deferred
// one imports, and those the request path shares still run at start, each now through its wrapper. So
// deferring the queue consumer and the cron (to take ical.js and fast-xml-parser off the start) wrapped
// 1.5 MB of zod, drizzle and Temporal and made evaluation about 10 ms slower, where mimetext alone saves
// about 5 ms (startup.eval_cpu_ms, measured side by side); ical.js and fast-xml-parser only define
// classes at their top level, which costs next to nothing. test/repo/startup-bundle.test.ts names the
// import chain if something deferred here is imported statically again.

/** The MIME builder behind the `send_email` binding, with the core-js it pulls in (the mailbox sandbox takes JSON). */
export function loadMimeText(): Promise<typeof import("mimetext/browser")> {
	return import("mimetext/browser");
}
