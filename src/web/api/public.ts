// The public booking API (/api/v1): what the widget and third parties build on. Every route is
// declared with zod so the same schemas validate requests and generate /api/openapi.json.
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { Context, TypedResponse } from "hono";
import type { BookingView } from "../../booking/commands";
import { manageToken } from "../../booking/manage-token";
import { bookingRecordView } from "../../booking/views";
import { merchantSchedule } from "../../booking/merchant-schedule";
import { unwrapOutcome } from "../../booking/outcome";
import { localIso, utcIso } from "../../time";
import type { AppEnv } from "../context";
import { managedBooking, managedBookingMerchant } from "../managed-booking";
import { cachedMerchantBySlug } from "../merchant-directory";
import { catalogueView, signInMethods } from "../catalogue-view";
import { canonicalHash, validationHook } from "../validation";
import { meApi } from "./me";
import {
	AvailabilitySchema,
	BookingCreatedSchema,
	BookingDetailSchema,
	ProblemSchema,
	ServiceSchema,
	SignInMethodsSchema,
	StaffSchema,
	availabilityQuery,
	bookingIdParam,
	createBookingBody,
	manageQuery,
	merchantParam,
	rescheduleBody,
	scopeBody,
} from "./schemas";

const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: ProblemSchema } } });
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

export const publicApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
publicApi.route("/", meApi);

// ---------------------------------------------------------------------------------------------
// Catalogue

publicApi.openapi(
	createRoute({
		method: "get",
		path: "/api/v1/m/{merchant}/services",
		tags: ["Catalogue"],
		summary: "The merchant's bookable services",
		request: { params: merchantParam },
		responses: { 200: json(z.object({ services: z.array(ServiceSchema) }), "Services"), 404: problem("Unknown merchant") },
	}),
	async (c) => {
		const db = c.get("db");
		const merchant = await cachedMerchantBySlug(db, c.req.valid("param").merchant);
		return c.json({ services: (await catalogueView(db, merchant)).services }, 200);
	},
);

publicApi.openapi(
	createRoute({
		method: "get",
		path: "/api/v1/m/{merchant}/staff",
		tags: ["Catalogue"],
		summary: "The merchant's staff (public fields only)",
		request: { params: merchantParam },
		responses: { 200: json(z.object({ staff: z.array(StaffSchema) }), "Staff"), 404: problem("Unknown merchant") },
	}),
	async (c) => {
		const db = c.get("db");
		const merchant = await cachedMerchantBySlug(db, c.req.valid("param").merchant);
		return c.json({ staff: (await catalogueView(db, merchant)).staff }, 200);
	},
);

publicApi.openapi(
	createRoute({
		method: "get",
		path: "/api/v1/m/{merchant}/sign-in-methods",
		tags: ["Catalogue"],
		summary: "Which customer sign-in methods the merchant's booking page offers",
		request: { params: merchantParam },
		responses: { 200: json(SignInMethodsSchema, "Offered methods"), 404: problem("Unknown merchant") },
	}),
	async (c) => {
		const merchant = await cachedMerchantBySlug(c.get("db"), c.req.valid("param").merchant);
		const methods = signInMethods(merchant);
		return c.json({ ...methods, startUrls: { google: methods.google ? "/auth/google" : null, facebook: methods.facebook ? "/auth/facebook" : null } }, 200);
	},
);

// ---------------------------------------------------------------------------------------------
// Availability

publicApi.openapi(
	createRoute({
		method: "get",
		path: "/api/v1/m/{merchant}/availability",
		tags: ["Booking"],
		summary: "Bookable slots for a service, optionally for one staff member",
		description:
			"Without staffId, each start time appears once, with the staff member a booking made without staffId would get (fewest bookings that day, then a stable order).",
		request: { params: merchantParam, query: availabilityQuery },
		responses: {
			200: json(AvailabilitySchema, "Slots"),
			400: problem("Invalid parameters"),
			404: problem("Unknown merchant, service or staff member"),
		},
	}),
	async (c) => {
		const query = c.req.valid("query");
		const merchant = await cachedMerchantBySlug(c.get("db"), c.req.valid("param").merchant);
		// The merchant's object answers from its own storage (no D1 statement on this path), with the
		// slots already as JSON: passed through, never parsed here.
		const slots = unwrapOutcome(
			await merchantSchedule(c.env, merchant.id).availability({
				serviceId: query.serviceId,
				...(query.staffId === undefined ? {} : { staffId: query.staffId }),
				from: query.from,
				to: query.to,
				timezone: query.timezone,
				now: Date.now(),
			}),
		);
		const body = `{"timezone":${JSON.stringify(query.timezone)},"slots":${slots}}`;
		return new Response(body, { status: 200, headers: { "content-type": "application/json" } }) as Response & TypedResponse<z.infer<typeof AvailabilitySchema>, 200, "json">;
	},
);

// ---------------------------------------------------------------------------------------------
// Bookings

async function bookingJson(env: Env, view: BookingView): Promise<z.infer<typeof BookingCreatedSchema>["booking"]> {
	const token = await manageToken(env.SESSION_SECRET, view.id);
	return {
		id: view.id,
		status: view.status,
		start: utcIso(view.start),
		end: utcIso(view.end),
		localStart: localIso(view.start, view.timezone),
		timezone: view.timezone,
		staffId: view.staffId,
		serviceId: view.serviceId,
		seriesId: view.seriesId,
		manageUrl: `${env.APP_URL}/manage/${view.id}?token=${token}`,
	};
}

publicApi.openapi(
	createRoute({
		method: "post",
		path: "/api/v1/m/{merchant}/bookings",
		tags: ["Booking"],
		summary: "Book a slot (or a recurring series, all-or-nothing)",
		request: {
			params: merchantParam,
			headers: z.object({ "idempotency-key": z.string().min(1).max(255).optional() }),
			body: { content: { "application/json": { schema: createBookingBody } }, required: true },
		},
		responses: {
			201: json(BookingCreatedSchema, "Booked"),
			400: problem("Invalid body"),
			404: problem("Unknown merchant, service or staff member"),
			409: problem("The time is taken; `alternatives` lists the nearest free slots"),
			422: problem("Outside hours, notice or horizon; or an Idempotency-Key reused with another body"),
		},
	}),
	async (c) => {
		const db = c.get("db");
		const body = c.req.valid("json");
		const idempotencyKey = c.req.valid("header")["idempotency-key"];
		const merchant = await cachedMerchantBySlug(db, c.req.valid("param").merchant);
		const user = c.get("user");
		const outcome = await merchantSchedule(c.env, merchant.id).createBooking({
			merchantId: merchant.id,
			serviceId: body.serviceId,
			staffId: body.staffId ?? null,
			start: Date.parse(body.start),
			timezone: body.timezone,
			// Signed in: the booking is the account's, and its confirmation goes to the account's address.
			customer: { name: body.customer.name, email: user?.email ?? body.customer.email, phone: body.customer.phone ?? null },
			// Only a proven address may carry the customer record (and its earlier guest bookings) into the account.
			userId: user !== undefined && user.emailVerifiedAt !== null ? user.id : null,
			customerNotes: body.notes ?? null,
			merchantNotes: null,
			recurrence: body.recurrence ?? null,
			source: "public",
			idempotency: idempotencyKey === undefined ? null : { key: idempotencyKey, requestHash: await canonicalHash(body) },
			now: Date.now(),
		});
		const views = unwrapOutcome(outcome);
		const [first] = views;
		if (first === undefined) throw new Error("booking created no rows");
		const occurrences = views.length > 1 ? await Promise.all(views.map((v) => bookingJson(c.env, v))) : undefined;
		return c.json({ booking: await bookingJson(c.env, first), ...(occurrences === undefined ? {} : { occurrences }) }, 201);
	},
);

/** The manage token from `?token=` or, for API clients, an `Authorization: Bearer` header. */
function presentedToken(c: Context<AppEnv>, query: string | undefined): string | undefined {
	return query ?? c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
}

const manageResponses = {
	400: problem("Invalid request"),
	404: problem("Unknown booking or wrong token"),
};

publicApi.openapi(
	createRoute({
		method: "get",
		path: "/api/v1/bookings/{id}",
		tags: ["Manage"],
		summary: "A booking, for the holder of its manage token",
		request: { params: bookingIdParam, query: manageQuery },
		responses: { 200: json(BookingDetailSchema, "The booking"), ...manageResponses },
	}),
	async (c) => {
		const found = await managedBooking(c.get("db"), c.env, c.req.valid("param").id, presentedToken(c, c.req.valid("query").token));
		const view = await bookingJson(c.env, bookingRecordView(found.booking, found.merchant.id));
		return c.json(
			{
				booking: {
					...view,
					serviceName: found.service.name,
					staffName: found.staffMember.name,
					merchant: { slug: found.merchant.slug, name: found.merchant.name },
					customerNotes: found.booking.customerNotes,
				},
			},
			200,
		);
	},
);

publicApi.openapi(
	createRoute({
		method: "post",
		path: "/api/v1/bookings/{id}/cancel",
		tags: ["Manage"],
		summary: "Cancel a booking (or it and the rest of its series)",
		description: 'The JSON body is optional: without one, only this booking is cancelled (scope "one").',
		request: {
			params: bookingIdParam,
			query: manageQuery,
			body: { content: { "application/json": { schema: scopeBody } }, required: false },
		},
		responses: {
			200: json(z.object({ bookings: z.array(BookingCreatedSchema.shape.booking) }), "Cancelled"),
			422: problem("The booking has already started"),
			...manageResponses,
		},
	}),
	async (c) => {
		const bookingId = c.req.valid("param").id;
		const merchantId = await managedBookingMerchant(c.get("db"), c.env, bookingId, presentedToken(c, c.req.valid("query").token));
		// Without a body the validator hands over {}, which skips the schema's default.
		const scope = c.req.valid("json").scope ?? "one";
		const views = unwrapOutcome(await merchantSchedule(c.env, merchantId).cancelBooking({ merchantId, bookingId, scope, source: "public", now: Date.now() }));
		return c.json({ bookings: await Promise.all(views.map((v) => bookingJson(c.env, v))) }, 200);
	},
);

publicApi.openapi(
	createRoute({
		method: "post",
		path: "/api/v1/bookings/{id}/reschedule",
		tags: ["Manage"],
		summary: "Move a booking (or it and the rest of its series) to a new start",
		request: {
			params: bookingIdParam,
			query: manageQuery,
			body: { content: { "application/json": { schema: rescheduleBody } }, required: true },
		},
		responses: {
			200: json(z.object({ bookings: z.array(BookingCreatedSchema.shape.booking) }), "Rescheduled"),
			409: problem("The new time is taken; `alternatives` lists free slots"),
			422: problem("Outside hours, notice or horizon"),
			...manageResponses,
		},
	}),
	async (c) => {
		const bookingId = c.req.valid("param").id;
		const merchantId = await managedBookingMerchant(c.get("db"), c.env, bookingId, presentedToken(c, c.req.valid("query").token));
		const body = c.req.valid("json");
		const views = unwrapOutcome(
			await merchantSchedule(c.env, merchantId).rescheduleBooking({
				merchantId,
				bookingId,
				start: Date.parse(body.start),
				staffId: null,
				scope: body.scope,
				source: "public",
				now: Date.now(),
			}),
		);
		return c.json({ bookings: await Promise.all(views.map((v) => bookingJson(c.env, v))) }, 200);
	},
);

publicApi.doc31("/api/openapi.json", {
	openapi: "3.1.0",
	info: { title: "Slotline public API", version: "1.0.0", description: "Services, availability and bookings. Errors are RFC 9457 problem+json." },
});
