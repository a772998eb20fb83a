"""Children, measurements scored with the WHO standards, prevalence, Dashat, case audits."""
