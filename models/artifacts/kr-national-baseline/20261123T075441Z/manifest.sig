{
  "algorithm": "ed25519",
  "key_id": "34990dadbef22fa8",
  "signature": "qL5MuQZQ0GMUWofD+kY9MBBpYHcAXECRUaKcMWAsibt6cx4Q/Q3fplPPmJNdps//3PdYoy//6AfbfWk4DKLTCA=="
}
