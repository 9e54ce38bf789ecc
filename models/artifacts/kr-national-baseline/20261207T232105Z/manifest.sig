{
  "algorithm": "ed25519",
  "key_id": "34990dadbef22fa8",
  "signature": "+cQfSkLWT4v7H7IKuhKlmUmX9tsJrLTGj0JP0/u9KIQz+c8TVb8X89fnJjk9KrBwQvH2inrgnbGxx08gG1vCDg=="
}
