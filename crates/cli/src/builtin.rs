//! The built-in providers linked into the binary.

/// Reference every built-in provider crate so the linker keeps its `inventory` registration.
pub fn link() {
    handover_migrate_live_agent::link();
    handover_migrate_chatwoot::link();
    handover_migrate_rce::link();
    handover_migrate_salesforce::link();
    handover_migrate_genesys_cloud::link();
    handover_migrate_genesys_cloud_om::link();
    handover_migrate_eight_by_eight::link();
}

#[cfg(test)]
mod tests {
    #[test]
    fn all_seven_builtins_are_registered_in_a_stable_order() {
        super::link();
        let pairs: Vec<String> = handover_migrate_core::builtin_providers()
            .iter()
            .flat_map(|p| p.info().pairs.into_iter().map(|pair| pair.pair.to_string()))
            .collect();
        // Seven kinds to their own services, plus the two vendor switches.
        assert_eq!(
            pairs,
            [
                "chatwoot → chatwoot",
                "eightByEight → eightByEight",
                "genesysCloud → genesysCloud",
                "genesysCloud → genesysCloudOM",
                "genesysCloudOM → genesysCloudOM",
                "liveAgent → liveAgent",
                "rce → rce",
                "salesforce → salesforce",
                "salesforce → salesforceMIAW",
            ]
        );
    }
}
