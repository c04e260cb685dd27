using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Auditor.Detection.Features;

// The word split: word tokens (runs of letters and digits, hashed) and punctuation tokens, in text order.
public static partial class FeatureExtractor
{
    // The split's state between the hot loop and the rare characters handled out of line.
    internal struct WordSplit
    {
        public int Count;    // tokens written so far
        public int PrevWord; // 1 when the previous character was part of a word
        public uint Hash;    // hash of the word so far (0 outside words)

        // One character with its class flags. Branch-free: the hash is masked to zero outside words, and the word and
        // punctuation tokens are written unconditionally at the end of the list, which only grows when the token is real.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(Span<int> words, char c, int f)
        {
            var isWord = f & WordFlag;
            words[Count] = MixWord(Hash);
            Count += PrevWord & ~isWord;
            words[Count] = PunctuationToken(c);
            Count += (f >> 1) & 1; // PunctFlag
            Hash = (BitOperations.RotateLeft(Hash, 5) ^ c) & (uint)-isWord;
            PrevWord = isWord;
        }

        // The last word, when the text ends inside one; returns the number of tokens.
        public int Finish(Span<int> words)
        {
            if (PrevWord != 0)
                words[Count++] = MixWord(Hash);
            return Count;
        }
    }

    // The hot loop of the split: what WordSplit.Add does, for the run of ASCII characters that cannot start a template
    // token from i on (found by a vectorised search, so the loop itself tests no character). Returns where it stopped:
    // the end of the text or a rare character. A method of its own, so that the state lives in registers rather than
    // being spilled around the rare-character code; indexing is unchecked: i < end <= text.Length,
    // count <= i + 1 < words.Length (a token ends no earlier than its last character), c < 128 = table lengths.
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static int SplitAscii(ReadOnlySpan<char> text, int i, Span<int> words, SearchValues<char> plainAscii, ref WordSplit split)
    {
        var run = text[i..].IndexOfAnyExcept(plainAscii);
        var end = run < 0 ? text.Length : i + run;
        ref var t0 = ref MemoryMarshal.GetReference(text);
        ref var w0 = ref MemoryMarshal.GetReference(words);
        ref var flags0 = ref MemoryMarshal.GetArrayDataReference(s_asciiFlags);
        ref var punct0 = ref MemoryMarshal.GetArrayDataReference(s_asciiPunctuationTokens);
        // Native-sized positions and counts: addressing with them needs no sign extension.
        nint at = i, count = split.Count, prevWord = split.PrevWord;
        var hash = split.Hash;
        // Two characters per iteration (the same steps twice): fewer loop-counter instructions per character.
        for (; at + 1 < end; at += 2)
        {
            var c = Unsafe.Add(ref t0, at);
            nint f = Unsafe.Add(ref flags0, (nint)c);
            var isWord = f & WordFlag;
            Unsafe.Add(ref w0, count) = MixWord(hash);
            count += prevWord & ~isWord;
            Unsafe.Add(ref w0, count) = Unsafe.Add(ref punct0, (nint)c);
            count += (f >> 1) & 1; // PunctFlag
            hash = (BitOperations.RotateLeft(hash, 5) ^ c) & (uint)-isWord;
            var d = Unsafe.Add(ref t0, at + 1);
            nint g = Unsafe.Add(ref flags0, (nint)d);
            var isWord2 = g & WordFlag;
            Unsafe.Add(ref w0, count) = MixWord(hash);
            count += isWord & ~isWord2;
            Unsafe.Add(ref w0, count) = Unsafe.Add(ref punct0, (nint)d);
            count += (g >> 1) & 1; // PunctFlag
            hash = (BitOperations.RotateLeft(hash, 5) ^ d) & (uint)-isWord2;
            prevWord = isWord2;
        }
        for (; at < end; at++)
        {
            var c = Unsafe.Add(ref t0, at);
            nint f = Unsafe.Add(ref flags0, (nint)c);
            var isWord = f & WordFlag;
            Unsafe.Add(ref w0, count) = MixWord(hash);
            count += prevWord & ~isWord;
            Unsafe.Add(ref w0, count) = Unsafe.Add(ref punct0, (nint)c);
            count += (f >> 1) & 1; // PunctFlag
            hash = (BitOperations.RotateLeft(hash, 5) ^ c) & (uint)-isWord;
            prevWord = isWord;
        }
        (split.Count, split.PrevWord, split.Hash) = ((int)count, (int)prevWord, hash);
        i = (int)at;
        return i;
    }

    // PunctuationToken of every ASCII character (stored for every character, kept only for punctuation).
    private static readonly int[] s_asciiPunctuationTokens = Enumerable.Range(0, 128).Select(c => PunctuationToken((char)c)).ToArray();
}
