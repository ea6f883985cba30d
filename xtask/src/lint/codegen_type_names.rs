//! Every type the client gets has its own Rust name: typify names an inline schema after its
//! place (`Job` + `schedule` -> `JobSchedule`) without checking that no other type has that name,
//! and two types with one name fail to compile (E0428). [`crate::normalize::type_names`] moves
//! such inline schemas to components of their own; on the derived spec a finding means the
//! overlay recreated one after normalization.

use super::prelude::*;
use crate::normalize::type_names::duplicate_type_names;

pub(super) const FAMILY: Family = Family {
    rules: &[Rule {
        name: "codegen-type-name-unique",
        ruleset: Ruleset::Codegen,
        severity: Severity::Error,
        summary: "no inline schema gets the Rust type name of another type",
    }],
    check,
};

fn check(ctx: &Ctx, out: &mut Out) {
    for (pointer, name) in duplicate_type_names(ctx.doc) {
        out.add(
            "codegen-type-name-unique",
            pointer,
            format!("typify would name this inline schema {name}, which another type is already called (E0428)"),
        );
    }
}
