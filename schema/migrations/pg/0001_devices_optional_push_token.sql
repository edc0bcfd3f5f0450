ALTER TABLE "devices" ALTER COLUMN "push_token" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "name" text;