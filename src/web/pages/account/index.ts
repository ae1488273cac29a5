// The customer-facing account pages: home, sign-in, sign-up, password reset, finishing a provider
// login, the account itself and staff invitations. Server-rendered; each page's island (client/account)
// sends its forms to the existing JSON APIs under /auth and /api/v1/me. Mounted once in web/app.ts.
import { Hono } from "hono";
import type { AppEnv } from "../../context";
import { accountPage } from "./account";
import { homePage } from "./home";
import { invitationPage } from "./invitation";
import { linkLoginPage } from "./link-login";
import { resetPasswordPage } from "./reset-password";
import { signInPage } from "./signin";
import { signUpPage } from "./signup";

export const accountPages = new Hono<AppEnv>()
	.get("/", homePage)
	.get("/signin", signInPage)
	.get("/signup", signUpPage)
	.get("/reset-password", resetPasswordPage)
	.get("/link-login", linkLoginPage)
	.get("/account", accountPage)
	.get("/invitations/accept", invitationPage);
