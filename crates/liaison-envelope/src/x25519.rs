//! The X25519 function of RFC 7748, computed with `curve25519-dalek`.
//!
//! `x25519-dalek` computes X25519(k, u) with the Montgomery ladder, which
//! `curve25519-dalek` runs on its serial field arithmetic. For any `u` that
//! is the Montgomery coordinate of a point on Curve25519 (every honest
//! public key is), the same value is the Montgomery coordinate of
//! `[clamp(k)]P`, where `P` is the birationally equivalent Edwards point of
//! either sign; `curve25519-dalek` computes that product in constant time
//! with its vectorized Edwards arithmetic (AVX2 where the processor has it),
//! in about 0.6 of the ladder's time on the benchmark machine (0.8 counting
//! the conversion of `u` to its Edwards point). This is how `x25519-dalek`
//! itself derives a public key (`[clamp(k)]B` on the Edwards curve, then
//! converted). A `u` with no Edwards point (a point on the twist, or
//! `u = -1`) takes the ladder, so the function is X25519 for every input;
//! the choice depends only on the public point, never on the secret.
//!
//! A recipient's Edwards point is computed once, when its card is built;
//! an ephemeral key's on each unwrap. `docs/envelope-format.md` §5.3 gives
//! the reasons, and the tests check the result against `x25519-dalek` and
//! the RFC 7748 vectors.

use curve25519_dalek::{EdwardsPoint, MontgomeryPoint};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A public X25519 key with its Edwards point, when it has one.
#[derive(Clone, Copy)]
pub(crate) struct PublicPoint {
    montgomery: MontgomeryPoint,
    edwards: Option<EdwardsPoint>,
}

/// Equal when the key bytes are: the Edwards point follows from them.
impl PartialEq for PublicPoint {
    fn eq(&self, other: &Self) -> bool {
        self.montgomery == other.montgomery
    }
}

impl Eq for PublicPoint {}

impl PublicPoint {
    /// The point of public key bytes (`u`, little-endian, as on the wire).
    pub(crate) fn new(u: [u8; 32]) -> Self {
        let montgomery = MontgomeryPoint(u);
        PublicPoint {
            montgomery,
            // Either sign gives the same Montgomery coordinate of [k]P.
            edwards: montgomery.to_edwards(0),
        }
    }

    /// The key bytes.
    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        self.montgomery.as_bytes()
    }

    /// Whether the fast path applies (a point on the curve).
    #[cfg(test)]
    pub(crate) fn on_curve(&self) -> bool {
        self.edwards.is_some()
    }

    /// X25519(`secret`, this point), or `None` when the result is all zero
    /// (a low-order point: the agreement would contribute nothing).
    pub(crate) fn agree(&self, secret: &[u8; 32]) -> Option<Zeroizing<[u8; 32]>> {
        let shared = Zeroizing::new(match &self.edwards {
            Some(point) => point.mul_clamped(*secret).to_montgomery().to_bytes(),
            None => self.montgomery.mul_clamped(*secret).to_bytes(),
        });
        let zero = shared.ct_eq(&[0u8; 32]);
        bool::from(!zero).then_some(shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex32(s: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).unwrap();
        out
    }

    /// RFC 7748 §5.2, the two single-step vectors: the first `u` is on the
    /// curve (the Edwards path), the second on the twist (the ladder).
    #[test]
    fn rfc7748_vectors() {
        let cases = [
            (
                "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
                "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
                "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
            ),
            (
                "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
                "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
                "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
            ),
        ];
        for ((k, u, out), on_curve) in cases.into_iter().zip([true, false]) {
            let point = PublicPoint::new(hex32(u));
            assert_eq!(point.on_curve(), on_curve);
            assert_eq!(*point.agree(&hex32(k)).unwrap(), hex32(out));
        }
    }

    /// RFC 7748 §5.2, the iterated vector after 1 and 1,000 steps (every
    /// intermediate `u` is a multiple of the base point: the Edwards path).
    #[test]
    fn rfc7748_iterated() {
        let mut k = hex32("0900000000000000000000000000000000000000000000000000000000000000");
        let mut u = k;
        for i in 1..=1000 {
            let point = PublicPoint::new(u);
            assert!(point.on_curve());
            let next = *point.agree(&k).unwrap();
            u = k;
            k = next;
            if i == 1 {
                assert_eq!(
                    k,
                    hex32("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079")
                );
            }
        }
        assert_eq!(
            k,
            hex32("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51")
        );
    }

    /// Every point of small order (`tests/low_order_points.txt`, which the
    /// security tests also use) agrees to nothing, on whichever path.
    #[test]
    fn low_order_points_agree_to_nothing() {
        let points = include_str!("../tests/low_order_points.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty());
        for u in points {
            let point = PublicPoint::new(hex32(u));
            for k in [[1u8; 32], [0x5a; 32], [0xff; 32]] {
                assert!(point.agree(&k).is_none(), "{u}");
                assert_eq!(x25519_dalek::x25519(k, hex32(u)), [0u8; 32]);
            }
        }
    }

    /// The non-canonical encodings `p + v` (v = 0..18) and every encoding
    /// with the top bit set: the same results as `x25519-dalek`, which reads
    /// them modulo p with the top bit ignored (RFC 7748 section 5).
    #[test]
    fn non_canonical_encodings_agree_with_x25519_dalek() {
        for v in 0..=18u8 {
            let mut u = [0xffu8; 32];
            u[0] = 0xed + v;
            u[31] = 0x7f;
            let mut high = u;
            high[31] |= 0x80;
            let mut small = [0u8; 32];
            small[0] = v;
            for u in [u, high, small] {
                for k in [[3u8; 32], [0xa7; 32]] {
                    let expected = x25519_dalek::x25519(k, u);
                    let got = PublicPoint::new(u).agree(&k).map_or([0u8; 32], |s| *s);
                    assert_eq!(got, expected, "{}", hex::encode(u));
                }
            }
        }
    }

    fn public_key(secret: [u8; 32]) -> [u8; 32] {
        x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(secret)).to_bytes()
    }

    /// Honest public keys take the Edwards path.
    #[test]
    fn honest_keys_are_on_the_curve() {
        for seed in 0..=255u8 {
            assert!(PublicPoint::new(public_key([seed; 32])).on_curve());
        }
    }

    proptest! {
        /// Any secret and any 32 bytes as `u` (on the curve, on the twist,
        /// non-canonical, high bit set): the same result as `x25519-dalek`.
        #[test]
        fn agrees_with_x25519_dalek(k in any::<[u8; 32]>(), u in any::<[u8; 32]>()) {
            let expected = x25519_dalek::x25519(k, u);
            let got = PublicPoint::new(u).agree(&k).map_or([0u8; 32], |s| *s);
            prop_assert_eq!(got, expected);
        }

        /// Agreement between two real keys is symmetric, on the fast path.
        #[test]
        fn agreement_is_symmetric(a in any::<[u8; 32]>(), b in any::<[u8; 32]>()) {
            let (pa, pb) = (PublicPoint::new(public_key(a)), PublicPoint::new(public_key(b)));
            prop_assert!(pa.on_curve() && pb.on_curve());
            prop_assert_eq!(*pb.agree(&a).unwrap(), *pa.agree(&b).unwrap());
        }
    }
}
