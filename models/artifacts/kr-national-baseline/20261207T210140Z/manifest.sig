{
  "algorithm": "ed25519",
  "key_id": "34990dadbef22fa8",
  "signature": "vZJgeJvQpOb5ZApp4qaWxaGi1YTcqo/zK4FllmpmPm7GYhETkekNh84fg4dtpZF5xVcBKki34pqv36I4HrgrBw=="
}
