// Liveness and readiness: answers 200 only when D1 answers too.
import { Hono } from "hono";
import { d1 } from "../db/client";
import type { AppEnv } from "./context";

export const health = new Hono<AppEnv>().get("/healthz", async (c) => {
	const row = await d1(c.env.DB).prepare("select count(*) as merchants from merchants").first<{ merchants: number }>();
	return c.json({ status: "ok", database: "ok", merchants: row?.merchants ?? 0, time: new Date().toISOString() });
});
