{
  "algorithm": "ed25519",
  "key_id": "34990dadbef22fa8",
  "signature": "6BXHF7QC8uNwKESG+4a3O513WMFX93DgUcMwWdbcYWkBq4yHwoOUmLxrSnq5QTy7SJBIVj6stplKxhpaFwYIAw=="
}
