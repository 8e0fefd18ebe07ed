//! Counts in words: "1 token", "1,000 tokens".

/// `n` with a comma between each group of three digits.
pub fn grouped_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `n` and the noun, singular for one: `counted(1, "token")` is "1 token".
pub fn counted(n: u64, noun: &str) -> String {
    let plural = if n == 1 { "" } else { "s" };
    format!("{} {noun}{plural}", grouped_digits(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_grouped_in_threes() {
        for (n, words) in [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1_000, "1,000"),
            (10_000, "10,000"),
            (123_456, "123,456"),
            (1_234_567, "1,234,567"),
        ] {
            assert_eq!(grouped_digits(n), words);
        }
    }

    #[test]
    fn one_is_singular() {
        assert_eq!(counted(0, "token"), "0 tokens");
        assert_eq!(counted(1, "token"), "1 token");
        assert_eq!(counted(1_000, "token"), "1,000 tokens");
    }
}
