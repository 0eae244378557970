"""Security: key slots and SQLCipher (encryption at rest), the audit hash chain, and the
encrypted exchange packages between a township and its bureau."""
