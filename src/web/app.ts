// Builds the Hono application: one router per resource, mounted here, errors mapped in one place.
import { Hono } from "hono";
import { database } from "../db/client";
import type { AppEnv } from "./context";
import { publicApi } from "./api/public";
import { health } from "./health";
import { handleError, handleNotFound } from "./problem";

export function createApp(): Hono<AppEnv> {
	const app = new Hono<AppEnv>();
	app.use(async (c, next) => {
		c.set("db", database(c.env.DB));
		await next();
	});
	app.route("/", health);
	app.route("/", publicApi);
	app.onError(handleError);
	app.notFound(handleNotFound);
	return app;
}
