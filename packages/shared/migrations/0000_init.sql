CREATE SEQUENCE "public"."journal_transaction_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "calls" (
	"call_id" text PRIMARY KEY NOT NULL,
	"line_id" uuid,
	"line_number" text NOT NULL,
	"owner_user_id" uuid,
	"direction" text NOT NULL,
	"remote_number" text DEFAULT '' NOT NULL,
	"remote_name" text DEFAULT '' NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"answered_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"duration_s" integer,
	"disconnect_cause" text,
	"sip_status" integer,
	"media_path" text,
	"media_node" text,
	"loss_percent" real,
	"jitter_ms" real,
	"rtt_ms" real,
	"last_seq" integer DEFAULT 0 NOT NULL,
	"read_flag" boolean DEFAULT false NOT NULL,
	"memo" text DEFAULT '' NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"transaction_id" bigint DEFAULT nextval('journal_transaction_seq') NOT NULL,
	CONSTRAINT "calls_direction_check" CHECK ("calls"."direction" in ('inbound', 'outbound')),
	CONSTRAINT "calls_media_path_check" CHECK ("calls"."media_path" is null or "calls"."media_path" in ('pbx', 'direct'))
);
--> statement-breakpoint
CREATE TABLE "lines" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"number" text NOT NULL,
	"display_name" text DEFAULT '' NOT NULL,
	"sip_uri" text NOT NULL,
	"registrar" text NOT NULL,
	"transport" text DEFAULT 'udp' NOT NULL,
	"auth_user" text DEFAULT '' NOT NULL,
	"auth_password" text DEFAULT '' NOT NULL,
	"owner_user_id" uuid,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lines_number_unique" UNIQUE("number"),
	CONSTRAINT "lines_transport_check" CHECK ("lines"."transport" in ('udp', 'tcp', 'tls'))
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"login" text NOT NULL,
	"display_name" text DEFAULT '' NOT NULL,
	"password_hash" text NOT NULL,
	"role" text DEFAULT 'user' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_login_unique" UNIQUE("login"),
	CONSTRAINT "users_role_check" CHECK ("users"."role" in ('admin', 'user'))
);
--> statement-breakpoint
ALTER TABLE "calls" ADD CONSTRAINT "calls_line_id_lines_id_fk" FOREIGN KEY ("line_id") REFERENCES "public"."lines"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calls" ADD CONSTRAINT "calls_owner_user_id_users_id_fk" FOREIGN KEY ("owner_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lines" ADD CONSTRAINT "lines_owner_user_id_users_id_fk" FOREIGN KEY ("owner_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "calls_line_started_idx" ON "calls" USING btree ("line_id","started_at");--> statement-breakpoint
CREATE INDEX "calls_owner_started_idx" ON "calls" USING btree ("owner_user_id","started_at");--> statement-breakpoint
CREATE INDEX "calls_transaction_idx" ON "calls" USING btree ("transaction_id");--> statement-breakpoint
CREATE INDEX "lines_owner_idx" ON "lines" USING btree ("owner_user_id");