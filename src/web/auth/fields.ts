// Request fields shared by the account routes: how an email address and a person's name are read.
import { z } from "zod";

export const emailSchema = z
	.string()
	.trim()
	.toLowerCase()
	.pipe(z.email("Enter a valid email address").max(254, "Use at most 254 characters"));

export const nameSchema = z.string().trim().min(1).max(100);

export const tokenSchema = z.string().min(1).max(200);
