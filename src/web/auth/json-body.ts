// Reads and validates a JSON request body; every failure becomes a 400 naming the fields.
import type { Context } from "hono";
import type { z } from "zod";
import { ValidationError } from "../../errors";
import { zodFieldProblems } from "../problem";

export async function parseJsonBody<Schema extends z.ZodType>(c: Context, schema: Schema): Promise<z.output<Schema>> {
	let raw: unknown;
	try {
		raw = await c.req.json();
	} catch {
		throw new ValidationError([{ field: "(root)", message: "The body must be a JSON object" }]);
	}
	const result = schema.safeParse(raw);
	if (!result.success) throw new ValidationError(zodFieldProblems(result.error));
	return result.data;
}
