{
  "algorithm": "ed25519",
  "key_id": "1325e664cb5da318",
  "signature": "/c3mEsv4hGbpTiyO97XlzDjSoRopRUZ+axfXpCYIduLd3egVibiLblJW7/0eLyJIJUw1OItWobsNJH2KyCjhDQ=="
}
