"""The one-window service-application workflow (一网通办): its ``services:`` section
(:mod:`.section`), an application's record (:mod:`.application`) and the workflow
(:mod:`.workflow`). docs/workflows.md and docs/policies.md describe it."""
