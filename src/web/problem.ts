// The one place errors become HTTP responses: RFC 9457 problem+json for every failure.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ZodError } from "zod";
import { AppError, RateLimitedError, ValidationError } from "../errors";
import type { FieldProblem } from "../errors";
import { errorFields, logLine } from "../log";

const PROBLEM_BASE = "https://slotline.dev/problems/";

export interface ProblemDocument {
	type: string;
	title: string;
	status: number;
	detail: string;
	instance?: string;
	[extension: string]: unknown;
}

export function problemJson(problem: ProblemDocument, headers: Record<string, string> = {}): Response {
	return new Response(JSON.stringify(problem), {
		status: problem.status,
		headers: { "content-type": "application/problem+json", ...headers },
	});
}

/** Zod issues as field problems; `prefix` says where the value came from ("query", "body"). */
export function zodFieldProblems(error: ZodError, prefix?: string): FieldProblem[] {
	return error.issues.map((issue) => {
		const path = issue.path.map(String).join(".");
		const field = [prefix, path].filter((part) => part !== undefined && part !== "").join(".");
		return { field: field === "" ? "(root)" : field, message: issue.message };
	});
}

function fromAppError(error: AppError, instance: string): Response {
	const headers: Record<string, string> = {};
	if (error instanceof RateLimitedError) headers["retry-after"] = String(error.retryAfterSeconds);
	return problemJson(
		{
			type: PROBLEM_BASE + error.code,
			title: error.title,
			status: error.status,
			detail: error.message,
			instance,
			...error.extensions(),
		},
		headers,
	);
}

/** Hono `onError`: typed errors keep their status; anything unexpected is a logged 500. */
export function handleError(error: Error, c: Context): Response {
	const instance = c.req.path;
	if (error instanceof AppError) return fromAppError(error, instance);
	if (error instanceof ZodError) return fromAppError(new ValidationError(zodFieldProblems(error)), instance);
	if (error instanceof HTTPException) {
		// Hono raises these for malformed JSON bodies and similar protocol-level problems.
		const status = error.status;
		return problemJson({
			type: status === 400 ? `${PROBLEM_BASE}malformed-request` : "about:blank",
			title: status === 400 ? "The request is malformed" : error.message || "Request failed",
			status,
			detail: error.message || "Request failed",
			instance,
		});
	}
	// The path and the error's typed fields only: a message, a stack or a body could carry credentials.
	logLine("error", "unhandled", { path: instance, error: errorFields(error) });
	return problemJson({
		type: "about:blank",
		title: "Internal Server Error",
		status: 500,
		detail: "An unexpected error occurred. It has been logged; please try again.",
		instance,
	});
}

export function handleNotFound(c: Context): Response {
	const instance = c.req.path;
	return problemJson({
		type: PROBLEM_BASE + "not-found",
		title: "Not found",
		status: 404,
		detail: `No route for ${c.req.method} ${instance}`,
		instance,
	});
}
