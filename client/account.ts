// Entry of the account bundle (sign-in, sign-up, reset, finishing a provider login, the account page,
// invitations, home): reads the page's JSON config (data, not script, so the CSP needs no inline
// script) and starts that page's island.
import { startAccount } from "./account/account-page";
import { useCsrfToken } from "./shared/http";
import { startInvitation } from "./account/invitation";
import { startLinkLogin } from "./account/link-login";
import { startResetPassword } from "./account/reset-password";
import { startSignIn } from "./account/sign-in";
import { startSignOut } from "./account/sign-out";
import { startSignUp } from "./account/sign-up";

interface AccountConfig {
	page: string;
	csrfToken?: string | null;
	brandColor?: string | null;
	returnTo?: string;
	token?: string | null;
}

function main(): void {
	const source = document.getElementById("slotline-account");
	const config = JSON.parse(source?.textContent ?? "{}") as AccountConfig;
	useCsrfToken(config.csrfToken ?? null);
	// Set through the CSSOM, which the CSP allows (a style attribute in the HTML it would not).
	if (typeof config.brandColor === "string") document.documentElement.style.setProperty("--brand", config.brandColor);
	const returnTo = config.returnTo ?? "/account";
	const token = config.token ?? null;
	startSignOut();
	if (config.page === "signin") startSignIn({ returnTo });
	else if (config.page === "signup") startSignUp();
	else if (config.page === "reset-password") startResetPassword({ token });
	else if (config.page === "link-login") startLinkLogin({ token, returnTo });
	else if (config.page === "invitation") startInvitation({ token });
	else if (config.page === "account") startAccount();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
else main();
