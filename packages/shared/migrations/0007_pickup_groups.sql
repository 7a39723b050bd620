CREATE TABLE "pickup_group_members" (
	"group_id" uuid NOT NULL,
	"line_id" uuid,
	"user_id" uuid,
	CONSTRAINT "pickup_group_members_one_check" CHECK (("pickup_group_members"."line_id" is null) <> ("pickup_group_members"."user_id" is null))
);
--> statement-breakpoint
CREATE TABLE "pickup_groups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pickup_groups_name_unique" UNIQUE("name")
);
--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "picked_up_by" text;--> statement-breakpoint
ALTER TABLE "pickup_group_members" ADD CONSTRAINT "pickup_group_members_group_id_pickup_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."pickup_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pickup_group_members" ADD CONSTRAINT "pickup_group_members_line_id_lines_id_fk" FOREIGN KEY ("line_id") REFERENCES "public"."lines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pickup_group_members" ADD CONSTRAINT "pickup_group_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "pickup_group_members_line_idx" ON "pickup_group_members" USING btree ("group_id","line_id");--> statement-breakpoint
CREATE UNIQUE INDEX "pickup_group_members_user_idx" ON "pickup_group_members" USING btree ("group_id","user_id");