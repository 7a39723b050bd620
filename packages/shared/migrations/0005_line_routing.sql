CREATE TABLE "line_routing" (
	"line_id" uuid PRIMARY KEY NOT NULL,
	"dnd" boolean DEFAULT false NOT NULL,
	"forwards" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "line_routing" ADD CONSTRAINT "line_routing_line_id_lines_id_fk" FOREIGN KEY ("line_id") REFERENCES "public"."lines"("id") ON DELETE cascade ON UPDATE no action;