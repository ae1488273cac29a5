// GET /manage/{id}/meeting?token=: a booking's video meeting for its manage-token holder, the customer in the
// booking, which the widget's confirmation screen asks until the link exists. Outside the public API on
// purpose: a join link is never part of a public answer (issue 18 item 5), only of the booking holder's.
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { NotFoundError } from "../../errors";
import { customerMeeting, meetingOfBooking } from "../../meetings/meeting-view";
import type { AppEnv } from "../context";
import { managedBooking } from "../managed-booking";

/** The URL carries the manage token and the answer the link: no cache keeps either, no Referer sends the token on. */
const privateAnswer = createMiddleware<AppEnv>(async (c, next) => {
	await next();
	c.res.headers.set("cache-control", "private, no-store");
	c.res.headers.set("referrer-policy", "no-referrer");
});

export const bookingMeeting = new Hono<AppEnv>().get("/manage/:id/meeting", privateAnswer, async (c) => {
	const { booking, service, staffMember } = await managedBooking(c.var.db, c.env, c.req.param("id"), c.req.query("token"));
	const meeting = await meetingOfBooking(c.var.db, booking, service, staffMember);
	// Not online, or cancelled: there is no meeting to join.
	if (meeting === null) throw new NotFoundError("Meeting");
	return c.json(customerMeeting(meeting));
});
