// Route-level zod validation for the admin routers: the same 400 problem as the public API, with
// fields named "body.x", "query.y" or "path.z".
import type { MiddlewareHandler } from "hono";
import { validator } from "hono/validator";
import type { z } from "zod";
import type { AppEnv } from "../context";
import { validationHook } from "../validation";

type Target = "json" | "query" | "param" | "header";

export function valid<T extends Target, Schema extends z.ZodType>(
	target: T,
	schema: Schema,
): MiddlewareHandler<AppEnv, string, { in: { [K in T]: z.input<Schema> }; out: { [K in T]: z.output<Schema> } }> {
	return validator(target, (value) => {
		const result = schema.safeParse(value);
		if (!result.success) validationHook({ target, success: false, error: result.error });
		return result.data as z.output<Schema>;
	}) as MiddlewareHandler<AppEnv, string, { in: { [K in T]: z.input<Schema> }; out: { [K in T]: z.output<Schema> } }>;
}
